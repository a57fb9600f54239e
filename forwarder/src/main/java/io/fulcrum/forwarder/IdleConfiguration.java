package io.fulcrum.forwarder;

import java.util.Objects;

/**
 * How a forwarder agent backs off when a duty cycle found no work.
 *
 * @param kind          {@link Kind#SPIN} (busy spin, for isolated cores), {@link Kind#YIELD}, or
 *                      {@link Kind#POLL} (spin, then yield, then block in poll() on the ports' descriptors).
 * @param spinTries     idle cycles spent spinning before yielding (POLL only), &gt;= 0.
 * @param yieldTries    idle cycles spent yielding before polling (POLL only), &gt;= 0.
 * @param pollTimeoutMs the longest a poll() blocks (POLL only), 1..1000; it bounds how late timers run.
 */
public record IdleConfiguration(Kind kind, int spinTries, int yieldTries, int pollTimeoutMs) {
    /** The default: poll with 100 spins, 10 yields and a 1 ms timeout (friendly to small shared machines). */
    public static final IdleConfiguration DEFAULT = new IdleConfiguration(Kind.POLL, 100, 10, 1);

    /** The idle strategy kinds. */
    public enum Kind {
        SPIN,
        YIELD,
        POLL
    }

    public IdleConfiguration {
        Objects.requireNonNull(kind, "kind");
        if (spinTries < 0 || yieldTries < 0) {
            throw new IllegalArgumentException("spinTries and yieldTries must be >= 0: " + spinTries + ", " + yieldTries);
        }
        if (pollTimeoutMs < 1 || pollTimeoutMs > 1000) {
            throw new IllegalArgumentException("pollTimeoutMs must be in 1..1000: " + pollTimeoutMs);
        }
    }
}
