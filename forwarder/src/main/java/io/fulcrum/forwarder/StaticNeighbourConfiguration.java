package io.fulcrum.forwarder;

import java.util.Objects;

/**
 * A neighbour entry that is configured, never learned and never aged (like {@code ip neigh ... nud permanent}).
 *
 * @param address       the neighbour's IPv4 address (int, network order).
 * @param mac           its MAC address in the low 48 bits.
 * @param interfaceName the interface it is reached through (one of the agent's interfaces).
 */
public record StaticNeighbourConfiguration(int address, long mac, String interfaceName) {

    public StaticNeighbourConfiguration {
        Objects.requireNonNull(interfaceName, "interfaceName");
        if ((mac & ~0xffff_ffff_ffffL) != 0) {
            throw new IllegalArgumentException("MAC must fit in 48 bits: " + Long.toHexString(mac));
        }
        if ((mac & 0x0100_0000_0000L) != 0 || mac == 0) {
            throw new IllegalArgumentException("static neighbour MAC must be a unicast address: " + Long.toHexString(mac));
        }
    }
}
