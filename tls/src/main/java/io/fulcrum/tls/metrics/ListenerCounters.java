package io.fulcrum.tls.metrics;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of one listener (HTTP or L4), written by the event loops with lock-free atomics and read by the metrics
 * exporter. Latency goes to an HdrHistogram {@link Recorder} (wait-free writers); {@link #latencySnapshot()} returns
 * the accumulated histogram.
 */
public final class ListenerCounters {
    /** Counter slots; the values are indexes into the array of {@link #get(Counter)}. */
    public enum Counter {
        /** Connections accepted. */
        CONNECTIONS_ACCEPTED,
        /** Connections currently open. */
        CONNECTIONS_ACTIVE,
        /** Connections currently open and between requests (keep-alive idle). */
        CONNECTIONS_IDLE,
        /** Requests completed (any status, including 499). */
        REQUESTS,
        /** Status 1xx responses (final status, e.g. 101). */
        STATUS_1XX,
        /** Status 2xx. */
        STATUS_2XX,
        /** Status 3xx. */
        STATUS_3XX,
        /** Status 4xx (including 499). */
        STATUS_4XX,
        /** Status 5xx. */
        STATUS_5XX,
        /** Status 404. */
        STATUS_404,
        /** Client left before the response (logged as 499). */
        STATUS_499,
        /** Status 502. */
        STATUS_502,
        /** Status 504. */
        STATUS_504,
        /** Bytes received from clients. */
        BYTES_IN,
        /** Bytes sent to clients. */
        BYTES_OUT,
        /** Retries on another backend. */
        RETRIES,
        /** PROXY headers refused (untrusted source or malformed). */
        PROXY_REFUSED,
        /** Connections (UDP: new sessions' datagrams) refused by the listener's ACL before anything was read. */
        ACL_DENIED,
        /** Access-log entries dropped because the queue was full. */
        ACCESS_LOG_DROPPED,
        /** UDP sessions created. */
        UDP_SESSIONS,
        /** Unexpected exceptions caught at the handler boundary (bugs). */
        ERRORS
    }

    private static final long MAX_LATENCY_US = 3_600_000_000L;

    private final String listenerId;
    private final AtomicLongArray values = new AtomicLongArray(Counter.values().length);
    private final Recorder latencyUs = new Recorder(MAX_LATENCY_US, 3);
    private final Histogram accumulated = new Histogram(MAX_LATENCY_US, 3);

    /** Counters of this listener. */
    public ListenerCounters(String listenerId) {
        this.listenerId = listenerId;
    }

    /** Listener id. */
    public String listenerId() {
        return listenerId;
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

    /** Records one finished request: status classes, the 404/499/502/504 counters and the latency. */
    public void recordRequest(int status, long latencyMicros) {
        increment(Counter.REQUESTS);
        final Counter cls = switch (status / 100) {
            case 1 -> Counter.STATUS_1XX;
            case 2 -> Counter.STATUS_2XX;
            case 3 -> Counter.STATUS_3XX;
            case 4 -> Counter.STATUS_4XX;
            default -> Counter.STATUS_5XX;
        };
        increment(cls);
        switch (status) {
            case 404 -> increment(Counter.STATUS_404);
            case 499 -> increment(Counter.STATUS_499);
            case 502 -> increment(Counter.STATUS_502);
            case 504 -> increment(Counter.STATUS_504);
            default -> {
            }
        }
        latencyUs.recordValue(Math.min(Math.max(0, latencyMicros), MAX_LATENCY_US));
    }

    /** Accumulated latency histogram in microseconds since start (call from one reader thread). */
    public synchronized Histogram latencySnapshot() {
        accumulated.add(latencyUs.getIntervalHistogram());
        return accumulated.copy();
    }
}
