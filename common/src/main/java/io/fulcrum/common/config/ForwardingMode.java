package io.fulcrum.common.config;

/** How an L4 listener carries traffic to its backends. */
public enum ForwardingMode {
    /** Source becomes a local address/port from the pool, destination the backend. */
    FULLNAT("fullnat"),
    /** Only the destination changes; backends route replies through the load balancer. */
    DNAT("dnat"),
    /** Ordinary sockets terminate the connection (also how L7 listeners work). */
    PROXY("proxy");

    private final String token;

    ForwardingMode(final String token) {
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
