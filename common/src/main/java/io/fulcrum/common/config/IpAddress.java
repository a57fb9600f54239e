package io.fulcrum.common.config;

/**
 * An IPv4 or IPv6 address, parsed without DNS. IPv4 addresses keep the data path's {@code int} form
 * ({@link #ipv4()}); IPv6 addresses are two longs, high 64 bits first. Printed in canonical form
 * (RFC 5952 for IPv6).
 *
 * @param version 4 or 6
 * @param high    IPv6: bits 127..64; IPv4: 0
 * @param low     IPv6: bits 63..0; IPv4: the address in the low 32 bits
 */
public record IpAddress(int version, long high, long low) {
    /** Checks the version. */
    public IpAddress {
        if (version != 4 && version != 6) {
            throw new IllegalArgumentException("IP version must be 4 or 6, got " + version);
        }
    }

    /** An IPv4 address from its network-order int. */
    public static IpAddress ofIpv4(final int address) {
        return new IpAddress(4, 0, address & 0xFFFF_FFFFL);
    }

    /**
     * Parses a dotted-quad IPv4 or a textual IPv6 address (no zone, no brackets).
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static IpAddress parse(final String text) {
        if (text.indexOf(':') < 0) {
            final int v4 = Ipv4Address.tryParse(text);
            if (v4 == -1 && !"255.255.255.255".equals(text)) {
                throw invalid(text);
            }
            return ofIpv4(v4);
        }
        final long[] words = parseIpv6(text);
        if (words == null) {
            throw invalid(text);
        }
        return new IpAddress(6, words[0], words[1]);
    }

    /** Whether this is an IPv4 address. */
    public boolean isIpv4() {
        return version == 4;
    }

    /** The IPv4 address in network order; only for IPv4 addresses. */
    public int ipv4() {
        if (version != 4) {
            throw new IllegalStateException("not an IPv4 address: " + this);
        }
        return (int) low;
    }

    /** Number of bits: 32 or 128. */
    public int bits() {
        return version == 4 ? 32 : 128;
    }

    /** The address with all but the first {@code prefixLength} bits cleared. */
    public IpAddress masked(final int prefixLength) {
        if (version == 4) {
            final int mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
            return ofIpv4((int) low & mask);
        }
        final long highMask = prefixLength == 0 ? 0 : prefixLength >= 64 ? -1L : -1L << (64 - prefixLength);
        final long lowMask = prefixLength <= 64 ? 0 : prefixLength == 128 ? -1L : -1L << (128 - prefixLength);
        return new IpAddress(6, high & highMask, low & lowMask);
    }

    @Override
    public String toString() {
        if (version == 4) {
            return Ipv4Address.format((int) low);
        }
        final int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (high >>> (48 - 16 * i)) & 0xFFFF;
            groups[i + 4] = (int) (low >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        final StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    private static long[] parseIpv6(final String text) {
        if (text.length() > 45 || text.indexOf('%') >= 0) {
            return null;
        }
        final int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        final int[] head = gap < 0 ? parseGroups(text) : parseGroups(text.substring(0, gap));
        final int[] tail = gap < 0 ? new int[0] : parseGroups(text.substring(gap + 2));
        if (head == null || tail == null) {
            return null;
        }
        final int total = head.length + tail.length;
        if (gap < 0 ? total != 8 : total > 7) {
            return null;
        }
        final int[] groups = new int[8];
        System.arraycopy(head, 0, groups, 0, head.length);
        System.arraycopy(tail, 0, groups, 8 - tail.length, tail.length);
        long high = 0;
        long low = 0;
        for (int i = 0; i < 4; i++) {
            high = (high << 16) | groups[i];
            low = (low << 16) | groups[i + 4];
        }
        return new long[] {high, low};
    }

    /** Parses colon-separated hex groups; the last may be a dotted IPv4 address (two groups). */
    private static int[] parseGroups(final String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        final String[] parts = text.split(":", -1);
        final int lastDots = parts[parts.length - 1].indexOf('.');
        final int[] groups = new int[parts.length + (lastDots >= 0 ? 1 : 0)];
        for (int i = 0; i < parts.length; i++) {
            final String part = parts[i];
            if (i == parts.length - 1 && lastDots >= 0) {
                final int v4 = Ipv4Address.tryParse(part);
                if (v4 == -1 && !"255.255.255.255".equals(part)) {
                    return null;
                }
                groups[i] = v4 >>> 16;
                groups[i + 1] = v4 & 0xFFFF;
                continue;
            }
            if (part.isEmpty() || part.length() > 4) {
                return null;
            }
            int value = 0;
            for (int c = 0; c < part.length(); c++) {
                final int digit = Character.digit(part.charAt(c), 16);
                if (digit < 0) {
                    return null;
                }
                value = (value << 4) | digit;
            }
            groups[i] = value;
        }
        return groups;
    }

    private static IllegalArgumentException invalid(final String text) {
        return new IllegalArgumentException("must be an IPv4 or IPv6 address like 198.18.0.1 or 2001:db8::1, got '" + text + "'");
    }
}
