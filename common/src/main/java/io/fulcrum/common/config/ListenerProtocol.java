package io.fulcrum.common.config;

/** The protocol a listener accepts. TCP, HTTP, HTTPS and TLS share the TCP port space; UDP has its own. */
public enum ListenerProtocol {
    /** L4 TCP. */
    TCP("tcp"),
    /** L4 UDP. */
    UDP("udp"),
    /** L7 HTTP/1.1 (and WebSocket). */
    HTTP("http"),
    /** L7 HTTP over TLS, HTTP/2 through ALPN. */
    HTTPS("https"),
    /** TLS termination, then plain TCP to the backends. */
    TLS("tls");

    private final String token;

    ListenerProtocol(final String token) {
        this.token = token;
    }

    /** The word used in the configuration file. */
    public String token() {
        return token;
    }

    /** Whether the listener works on packets in the forwarder (TCP, UDP) rather than in the L7/TLS stage. */
    public boolean isL4() {
        return this == TCP || this == UDP;
    }

    /** Whether the listener speaks HTTP (HTTP or HTTPS). */
    public boolean isHttp() {
        return this == HTTP || this == HTTPS;
    }

    /** Whether the listener terminates TLS (HTTPS or TLS). */
    public boolean terminatesTls() {
        return this == HTTPS || this == TLS;
    }

    /** Whether the listener uses the TCP port space (every protocol but UDP). */
    public boolean usesTcpPorts() {
        return this != UDP;
    }

    @Override
    public String toString() {
        return token;
    }
}
