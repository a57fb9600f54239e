package io.fulcrum.tls.metrics;

import java.util.concurrent.atomic.AtomicLongArray;

/** Counters of one backend as seen by one listener's L7/L4 proxy. */
public final class BackendCounters {
    /** Counter slots. */
    public enum Counter {
        /** Requests (tries) sent. */
        REQUESTS,
        /** Responses 2xx. */
        STATUS_2XX,
        /** Responses 3xx. */
        STATUS_3XX,
        /** Responses 4xx. */
        STATUS_4XX,
        /** Responses 5xx. */
        STATUS_5XX,
        /** Connect failures (refused or timed out). */
        CONNECT_FAILURES,
        /** Response timeouts. */
        TIMEOUTS,
        /** Resets or malformed responses. */
        FAILURES,
        /** Connections currently open to the backend. */
        CONNECTIONS_ACTIVE,
        /** Connections opened to the backend since start (less than REQUESTS when keep-alive pooling works). */
        CONNECTIONS_OPENED,
        /** Bytes sent to the backend. */
        BYTES_OUT,
        /** Bytes received from the backend. */
        BYTES_IN,
        /** TLS handshakes with the backend that failed for another reason than its certificate (https groups). */
        TLS_HANDSHAKE_FAILURES,
        /** TLS handshakes refused because the backend certificate did not verify: chain or name (https groups). */
        TLS_VERIFY_FAILURES
    }

    private final String backendId;
    private final AtomicLongArray values = new AtomicLongArray(Counter.values().length);

    /** Counters of this backend. */
    public BackendCounters(String backendId) {
        this.backendId = backendId;
    }

    /** Backend id. */
    public String backendId() {
        return backendId;
    }

    /** Current value. */
    public long get(Counter c) {
        return values.get(c.ordinal());
    }

    /** Adds delta. */
    public void add(Counter c, long delta) {
        values.getAndAdd(c.ordinal(), delta);
    }

    /** Adds one. */
    public void increment(Counter c) {
        values.getAndIncrement(c.ordinal());
    }

    /** Counts a response status class. */
    public void recordStatus(int status) {
        switch (status / 100) {
            case 2 -> increment(Counter.STATUS_2XX);
            case 3 -> increment(Counter.STATUS_3XX);
            case 4 -> increment(Counter.STATUS_4XX);
            case 5 -> increment(Counter.STATUS_5XX);
            default -> {
            }
        }
    }
}
