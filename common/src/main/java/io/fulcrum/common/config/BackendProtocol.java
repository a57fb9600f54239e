package io.fulcrum.common.config;

/** What a backend group's backends speak towards the L7 stage ({@code backend-groups[].protocol}). */
public enum BackendProtocol {
    /** Cleartext: HTTP/1.1 for http and https listeners, the backends' own protocol for tcp, udp and tls listeners. */
    HTTP("http"),
    /** HTTP/1.1 over TLS: the L7 stage re-encrypts towards the backends and may verify their certificates. */
    HTTPS("https");

    private final String token;

    BackendProtocol(final String token) {
        this.token = token;
    }

    /** The word used in the configuration file. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
