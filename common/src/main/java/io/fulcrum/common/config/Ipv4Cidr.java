package io.fulcrum.common.config;

/**
 * An IPv4 address with a prefix length, such as an interface address ({@code 198.18.0.100/24}, host bits
 * set) or a route prefix ({@code 0.0.0.0/0}, host bits clear).
 *
 * @param address      the address in network order (see {@link Ipv4Address})
 * @param prefixLength 0..32
 */
public record Ipv4Cidr(int address, int prefixLength) {
    /** Checks the prefix length. */
    public Ipv4Cidr {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be between 0 and 32, got " + prefixLength);
        }
    }

    /**
     * Parses {@code a.b.c.d/n}; a bare address means {@code /32}.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static Ipv4Cidr parse(final String text) {
        final int slash = text.indexOf('/');
        final String addressText = slash < 0 ? text : text.substring(0, slash);
        final int address = Ipv4Address.tryParse(addressText);
        if (address == -1 && !"255.255.255.255".equals(addressText)) {
            throw new IllegalArgumentException("must be an IPv4 address with an optional prefix length like 198.18.0.1/24, got '"
                + text + "'");
        }
        if (slash < 0) {
            return new Ipv4Cidr(address, 32);
        }
        final String prefix = text.substring(slash + 1);
        if (!prefix.matches("[0-9]{1,2}") || Integer.parseInt(prefix) > 32) {
            throw new IllegalArgumentException("prefix length must be between 0 and 32, got '" + prefix + "'");
        }
        return new Ipv4Cidr(address, Integer.parseInt(prefix));
    }

    /** The netmask in network order, e.g. {@code 0xFFFFFF00} for /24. */
    public int netmask() {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** The network address: the address with its host bits cleared. */
    public int network() {
        return address & netmask();
    }

    /** Whether the host bits are all zero (required for route prefixes and ACL entries). */
    public boolean isNetwork() {
        return network() == address;
    }

    /** Whether {@code other} (network order) lies inside this prefix. */
    public boolean contains(final int other) {
        return (other & netmask()) == network();
    }

    @Override
    public String toString() {
        return Ipv4Address.format(address) + "/" + prefixLength;
    }
}
