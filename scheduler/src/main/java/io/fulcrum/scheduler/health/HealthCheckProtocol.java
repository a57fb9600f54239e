package io.fulcrum.scheduler.health;

/** How a backend is probed. */
public enum HealthCheckProtocol {
    /** Connect, then close with RST (SO_LINGER 0); no data. */
    TCP,
    /** HTTP/1.1 request (GET or HEAD) over a fresh connection; the status class decides. */
    HTTP,
    /** As HTTP, over TLS (SSLEngine; the backend certificate is not verified: this is a liveness probe). */
    HTTPS,
    /** ICMP echo, then a UDP datagram: ICMP port-unreachable within the timeout means down. */
    UDP
}
