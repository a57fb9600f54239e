package io.fulcrum.forwarder;

import java.util.Arrays;
import java.util.Objects;

/**
 * One interface an agent serves: its name and the IPv4 addresses it owns, each with the prefix length
 * of its subnet (the subnets decide which ARP senders are on-link and which addresses are directed
 * broadcasts). Addresses are ints in network order (198.18.0.1 is {@code 0xc6120001}).
 *
 * @param name          the interface name, e.g. {@code lb0}; must match the port's interface.
 * @param addresses     the owned IPv4 addresses (at least one).
 * @param prefixLengths the prefix length (1..32) of each address's subnet, same order as {@code addresses}.
 */
public record InterfaceConfiguration(String name, int[] addresses, int[] prefixLengths) {

    public InterfaceConfiguration {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(addresses, "addresses");
        Objects.requireNonNull(prefixLengths, "prefixLengths");
        if (addresses.length == 0) {
            throw new IllegalArgumentException("interface " + name + ": at least one address is required");
        }
        if (addresses.length != prefixLengths.length) {
            throw new IllegalArgumentException("interface " + name + ": " + addresses.length + " addresses but "
                + prefixLengths.length + " prefix lengths");
        }
        for (final int prefix : prefixLengths) {
            if (prefix < 1 || prefix > 32) {
                throw new IllegalArgumentException("interface " + name + ": prefix length " + prefix + " not in 1..32");
            }
        }
        addresses = addresses.clone();
        prefixLengths = prefixLengths.clone();
    }

    @Override
    public int[] addresses() {
        return addresses.clone();
    }

    @Override
    public int[] prefixLengths() {
        return prefixLengths.clone();
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof InterfaceConfiguration that && name.equals(that.name)
            && Arrays.equals(addresses, that.addresses) && Arrays.equals(prefixLengths, that.prefixLengths);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(addresses), Arrays.hashCode(prefixLengths));
    }

    @Override
    public String toString() {
        return "InterfaceConfiguration[name=" + name + ", addresses=" + Arrays.toString(addresses)
            + ", prefixLengths=" + Arrays.toString(prefixLengths) + "]";
    }
}
