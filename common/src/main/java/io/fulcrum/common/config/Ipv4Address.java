package io.fulcrum.common.config;

/**
 * IPv4 addresses as the data path holds them: one {@code int} whose big-endian bytes are the address
 * ({@code 198.18.0.1} is {@code 0xC6120001}), so a big-endian write into a frame gives the wire bytes.
 * Only the dotted-quad form is accepted (no hostnames, no shortened forms, no leading zeros), so
 * parsing never touches DNS and every address has exactly one spelling.
 */
public final class Ipv4Address {
    private Ipv4Address() {
    }

    /**
     * Parses a dotted-quad IPv4 address.
     *
     * @param text e.g. {@code 198.18.0.1}
     * @return the address in network order as an int
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static int parse(final String text) {
        final int address = tryParse(text);
        if (address == -1 && !"255.255.255.255".equals(text)) {
            throw new IllegalArgumentException("must be an IPv4 address like 198.18.0.1, got '" + text + "'");
        }
        return address;
    }

    /** Returns the address, or -1 when the text is not a dotted quad (check the text for 255.255.255.255). */
    static int tryParse(final String text) {
        if (text == null || text.isEmpty() || text.length() > 15) {
            return -1;
        }
        int address = 0;
        int octets = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= text.length(); i++) {
            final char c = i < text.length() ? text.charAt(i) : '.';
            if (c == '.') {
                if (digits == 0 || octets == 4) {
                    return -1;
                }
                address = (address << 8) | value;
                octets++;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits == 1 && value == 0) {
                    return -1; // leading zero: ambiguous (octal in some tools)
                }
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255) {
                    return -1;
                }
            } else {
                return -1;
            }
        }
        return octets == 4 ? address : -1;
    }

    /** Formats a network-order int as a dotted quad. */
    public static String format(final int address) {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
            + (address & 0xFF);
    }
}
