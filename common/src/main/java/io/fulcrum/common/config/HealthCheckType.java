package io.fulcrum.common.config;

/** How backends are probed. */
public enum HealthCheckType {
    /** Connect, then close with RST; no data. */
    TCP("tcp"),
    /** HTTP request; the status class decides. */
    HTTP("http"),
    /** HTTP request over TLS. */
    HTTPS("https"),
    /** ICMP echo, then a UDP probe; port-unreachable means down. */
    UDP("udp");

    private final String token;

    HealthCheckType(final String token) {
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
