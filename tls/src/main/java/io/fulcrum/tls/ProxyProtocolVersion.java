package io.fulcrum.tls;

/** PROXY protocol version sent to backends by an L4 listener. */
public enum ProxyProtocolVersion {
    /** No header. */
    NONE,
    /** Text header {@code PROXY TCP4 src dst sport dport\r\n}. */
    V1,
    /** Binary header with TCP4/TCP6/UDP4/UDP6 address blocks. */
    V2
}
