package io.fulcrum.common.config;

/**
 * An inclusive range of TCP/UDP ports, written {@code 1024-65535} or a single {@code 8080}.
 *
 * @param first first port, 1..65535
 * @param last  last port, first..65535
 */
public record PortRange(int first, int last) {
    /** Checks the bounds. */
    public PortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("must be a port range like 1024-65535 within 1..65535, got " + first + "-" + last);
        }
    }

    /**
     * Parses {@code first-last} or a single port.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static PortRange parse(final String text) {
        final int dash = text.indexOf('-');
        final String firstText = dash < 0 ? text : text.substring(0, dash);
        final String lastText = dash < 0 ? text : text.substring(dash + 1);
        if (!firstText.matches("[0-9]{1,5}") || !lastText.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("must be a port range like 1024-65535, got '" + text + "'");
        }
        final int first = Integer.parseInt(firstText);
        final int last = Integer.parseInt(lastText);
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("must be a port range like 1024-65535 within 1..65535 with first <= last, got '"
                + text + "'");
        }
        return new PortRange(first, last);
    }

    /** Number of ports in the range. */
    public int size() {
        return last - first + 1;
    }

    /** Whether the port lies in the range. */
    public boolean contains(final int port) {
        return port >= first && port <= last;
    }

    @Override
    public String toString() {
        return first == last ? Integer.toString(first) : first + "-" + last;
    }
}
