package io.fulcrum.common.config;

/**
 * An IP address and port, written {@code 127.0.0.1:9100} or {@code [::1]:9100}.
 *
 * @param address the address
 * @param port    1..65535
 */
public record Endpoint(IpAddress address, int port) {
    /** Checks the port. */
    public Endpoint {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
        }
    }

    /**
     * Parses {@code a.b.c.d:port} or {@code [v6]:port}.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static Endpoint parse(final String text) {
        final String addressText;
        final String portText;
        if (text.startsWith("[")) {
            final int close = text.indexOf("]:");
            if (close < 0) {
                throw invalid(text);
            }
            addressText = text.substring(1, close);
            portText = text.substring(close + 2);
        } else {
            final int colon = text.lastIndexOf(':');
            if (colon < 0 || text.indexOf(':') != colon) {
                throw invalid(text);
            }
            addressText = text.substring(0, colon);
            portText = text.substring(colon + 1);
        }
        if (!portText.matches("[0-9]{1,5}") || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 65535) {
            throw invalid(text);
        }
        final IpAddress address;
        try {
            address = IpAddress.parse(addressText);
        } catch (IllegalArgumentException e) {
            throw invalid(text);
        }
        return new Endpoint(address, Integer.parseInt(portText));
    }

    @Override
    public String toString() {
        return address.isIpv4() ? address + ":" + port : "[" + address + "]:" + port;
    }

    private static IllegalArgumentException invalid(final String text) {
        return new IllegalArgumentException("must be address:port like 127.0.0.1:9100 or [::1]:9100, port 1..65535, got '"
            + text + "'");
    }
}
