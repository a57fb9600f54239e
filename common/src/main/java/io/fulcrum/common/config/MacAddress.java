package io.fulcrum.common.config;

/**
 * Ethernet MAC addresses as the data path holds them: the 48 bits in the low bits of a {@code long},
 * first octet most significant ({@code 02:00:00:00:01:0b} is {@code 0x02000000010BL}).
 */
public final class MacAddress {
    private MacAddress() {
    }

    /**
     * Parses six two-digit hex octets separated by {@code :} or {@code -}.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static long parse(final String text) {
        if (text == null || text.length() != 17) {
            throw invalid(text);
        }
        final char separator = text.charAt(2);
        if (separator != ':' && separator != '-') {
            throw invalid(text);
        }
        long value = 0;
        for (int octet = 0; octet < 6; octet++) {
            final int at = octet * 3;
            if (octet > 0 && text.charAt(at - 1) != separator) {
                throw invalid(text);
            }
            final int high = Character.digit(text.charAt(at), 16);
            final int low = Character.digit(text.charAt(at + 1), 16);
            if (high < 0 || low < 0) {
                throw invalid(text);
            }
            value = (value << 8) | (high << 4) | low;
        }
        return value;
    }

    /** Formats as lower-case {@code xx:xx:xx:xx:xx:xx}. */
    public static String format(final long mac) {
        final StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            final int octet = (int) (mac >>> shift) & 0xFF;
            sb.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
            if (shift > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /** Whether the address is an individual (not group) address and not all zeros: usable as a neighbour. */
    public static boolean isUnicast(final long mac) {
        return mac != 0 && ((mac >>> 40) & 1) == 0;
    }

    private static IllegalArgumentException invalid(final String text) {
        return new IllegalArgumentException("must be a MAC address like 02:00:00:00:01:0b, got '" + text + "'");
    }
}
