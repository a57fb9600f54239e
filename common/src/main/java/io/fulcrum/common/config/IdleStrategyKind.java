package io.fulcrum.common.config;

/** What a forwarder agent does when a duty cycle finds no work. */
public enum IdleStrategyKind {
    /** Spin, then yield, then park, then poll: low latency under load, low CPU when idle. */
    BACKOFF("backoff"),
    /** Busy-spin: lowest latency, one full core per agent. */
    SPIN("spin"),
    /** Thread.yield() between cycles. */
    YIELD("yield");

    private final String token;

    IdleStrategyKind(final String token) {
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
