package io.fulcrum.forwarder.stage;

import io.fulcrum.forwarder.InterfaceConfiguration;
import io.fulcrum.forwarder.proto.Bytes;

/**
 * The addresses of one port: its MAC and the IPv4 addresses it owns with their subnets. Immutable,
 * built at configuration time; lookups are linear over a handful of addresses and allocate nothing.
 */
public final class InterfaceAddresses {
    private final String name;
    private final long mac;
    private final int[] addresses;
    private final int[] masks;
    private final int[] networks;
    /** Directed broadcast address per subnet, or 0 for /31 and /32 (which have none, RFC 3021). */
    private final int[] broadcasts;

    public InterfaceAddresses(final String name, final long mac, final int[] addresses, final int[] prefixLengths) {
        if (addresses.length == 0 || addresses.length != prefixLengths.length) {
            throw new IllegalArgumentException(name + ": need one prefix length per address");
        }
        if (Bytes.isGroupMac(mac) || mac == 0 || (mac & ~Bytes.BROADCAST_MAC) != 0) {
            throw new IllegalArgumentException(name + ": not a unicast MAC: " + Long.toHexString(mac));
        }
        this.name = name;
        this.mac = mac;
        this.addresses = addresses.clone();
        this.masks = new int[addresses.length];
        this.networks = new int[addresses.length];
        this.broadcasts = new int[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            final int prefix = prefixLengths[i];
            if (prefix < 1 || prefix > 32) {
                throw new IllegalArgumentException(name + ": prefix length " + prefix + " not in 1..32");
            }
            if (!Ipv4Addresses.isUnicast(addresses[i])) {
                throw new IllegalArgumentException(name + ": not a unicast address: " + Bytes.formatIpv4(addresses[i]));
            }
            masks[i] = prefix == 32 ? -1 : ~(-1 >>> prefix);
            networks[i] = addresses[i] & masks[i];
            broadcasts[i] = prefix >= 31 ? 0 : networks[i] | ~masks[i];
            if (prefix < 31 && (addresses[i] == networks[i] || addresses[i] == broadcasts[i])) {
                throw new IllegalArgumentException(name + ": " + Bytes.formatIpv4(addresses[i]) + "/" + prefix
                    + " is the subnet's network or broadcast address");
            }
        }
    }

    /** Builds the addresses of a configured interface served by a port with {@code mac}. */
    public static InterfaceAddresses of(final InterfaceConfiguration configuration, final long mac) {
        return new InterfaceAddresses(configuration.name(), mac, configuration.addresses(), configuration.prefixLengths());
    }

    public String name() {
        return name;
    }

    public long mac() {
        return mac;
    }

    public int addressCount() {
        return addresses.length;
    }

    public int address(final int index) {
        return addresses[index];
    }

    /** True if this interface owns {@code address}. */
    public boolean owns(final int address) {
        final int[] addresses = this.addresses;
        for (int i = 0; i < addresses.length; i++) {
            if (addresses[i] == address) {
                return true;
            }
        }
        return false;
    }

    /**
     * Our address in the subnet that holds {@code address} (the source for an ARP request to it), or 0 if
     * {@code address} is in none of this interface's subnets or is a subnet's network or broadcast address.
     */
    public int onLinkSource(final int address) {
        final int[] masks = this.masks;
        for (int i = 0; i < masks.length; i++) {
            if ((address & masks[i]) == networks[i]) {
                if (broadcasts[i] != 0 && (address == networks[i] || address == broadcasts[i])) {
                    return 0;
                }
                return addresses[i];
            }
        }
        return 0;
    }

    /** True if {@code address} is the directed broadcast address of one of this interface's subnets. */
    public boolean isDirectedBroadcast(final int address) {
        final int[] broadcasts = this.broadcasts;
        for (int i = 0; i < broadcasts.length; i++) {
            if (broadcasts[i] != 0 && broadcasts[i] == address) {
                return true;
            }
        }
        return false;
    }
}
