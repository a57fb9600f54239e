package io.fulcrum.common.config;

/** Whether and how the client address is sent to backends with the PROXY protocol. */
public enum ProxyProtocolVersion {
    /** Not sent. */
    OFF("off"),
    /** Text header (TCP only). */
    V1("v1"),
    /** Binary header. */
    V2("v2");

    private final String token;

    ProxyProtocolVersion(final String token) {
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
