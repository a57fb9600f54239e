package io.fulcrum.common.config;

/**
 * An IPv4 or IPv6 prefix, as used by ACL entries ({@code 10.0.0.0/8}, {@code 2001:db8::/32}).
 *
 * @param address      the address as written
 * @param prefixLength 0..32 for IPv4, 0..128 for IPv6
 */
public record IpCidr(IpAddress address, int prefixLength) {
    /** Checks the prefix length against the address family. */
    public IpCidr {
        if (prefixLength < 0 || prefixLength > address.bits()) {
            throw new IllegalArgumentException("prefix length must be between 0 and " + address.bits() + ", got " + prefixLength);
        }
    }

    /**
     * Parses {@code address/n}; a bare address means a single host (/32 or /128).
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static IpCidr parse(final String text) {
        final int slash = text.indexOf('/');
        final IpAddress address;
        try {
            address = IpAddress.parse(slash < 0 ? text : text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be an IPv4 or IPv6 prefix like 10.0.0.0/8 or 2001:db8::/32, got '" + text
                + "'");
        }
        if (slash < 0) {
            return new IpCidr(address, address.bits());
        }
        final String prefix = text.substring(slash + 1);
        if (!prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) > address.bits()) {
            throw new IllegalArgumentException("prefix length must be between 0 and " + address.bits() + ", got '" + prefix
                + "'");
        }
        return new IpCidr(address, Integer.parseInt(prefix));
    }

    /** Whether the host bits are all zero. */
    public boolean isNetwork() {
        return address.masked(prefixLength).equals(address);
    }

    /** This prefix with its host bits cleared. */
    public IpCidr network() {
        return new IpCidr(address.masked(prefixLength), prefixLength);
    }

    @Override
    public String toString() {
        return address + "/" + prefixLength;
    }
}
