package io.fulcrum.tls.metrics;

/**
 * Counters of one listener (HTTP or L4 proxy), written by the event loops with atomic adds (lock-free, no allocation)
 * and read by the metrics exporter, the status views and {@code fulcrum stats} through the {@link CounterStore}
 * (label {@code l7 listener <id> <metric>}). Request latency goes to an HdrHistogram {@link Recorder} in microseconds
 * (wait-free writers; one reader takes its intervals: the node's metrics exporter).
 */
public final class ListenerCounters extends StatusCounters<ListenerCounters.Counter> {
    /** Counter slots with their metric word in the counters-file label. */
    public enum Counter implements StatusCounters.Slot {
        /** Connections accepted. */
        CONNECTIONS_ACCEPTED("conns"),
        /** Connections currently open. */
        CONNECTIONS_ACTIVE("active-conns"),
        /** Connections currently open and between requests (keep-alive idle). */
        CONNECTIONS_IDLE("idle-conns"),
        /** Requests completed (any status, including 499). */
        REQUESTS("requests"),
        /** Status 1xx responses (final status, e.g. 101). */
        STATUS_1XX("status-1xx"),
        /** Status 2xx. */
        STATUS_2XX("status-2xx"),
        /** Status 3xx. */
        STATUS_3XX("status-3xx"),
        /** Status 4xx (including 499). */
        STATUS_4XX("status-4xx"),
        /** Status 5xx. */
        STATUS_5XX("status-5xx"),
        /** Status 404. */
        STATUS_404("status-404"),
        /** Client left before the response (logged as 499). */
        STATUS_499("status-499"),
        /** Status 502. */
        STATUS_502("status-502"),
        /** Status 504. */
        STATUS_504("status-504"),
        /** Bytes received from clients. */
        BYTES_IN("in-bytes"),
        /** Bytes sent to clients. */
        BYTES_OUT("out-bytes"),
        /** Retries on another backend. */
        RETRIES("retries"),
        /** PROXY headers refused (untrusted source or malformed). */
        PROXY_REFUSED("proxy-refused"),
        /** Connections (UDP: new sessions' datagrams) refused by the listener's ACL before anything was read. */
        ACL_DENIED("acl-denied"),
        /** Access-log entries dropped because the queue was full. */
        ACCESS_LOG_DROPPED("access-log-dropped"),
        /** UDP sessions created. */
        UDP_SESSIONS("udp-sessions"),
        /** Unexpected exceptions caught at the handler boundary (bugs). */
        ERRORS("errors");

        private final String metric;

        Counter(final String metric) {
            this.metric = metric;
        }

        @Override
        public String metric() {
            return metric;
        }
    }

    /** Highest latency recorded, in microseconds (an hour); longer requests count as an hour. */
    public static final long MAX_LATENCY_US = StatusCounters.MAX_LATENCY_US;

    private final String listenerId;

    /** Counters of this listener in private heap cells. */
    public ListenerCounters(final String listenerId) {
        this(listenerId, CounterStore.heap());
    }

    /** Counters of this listener in a store. */
    public ListenerCounters(final String listenerId, final CounterStore store) {
        super(Counter.values(), store, CounterStore.L7_LISTENER, CounterStore.LABEL_PREFIX + " listener " + listenerId, 3);
        this.listenerId = listenerId;
    }

    /** Listener id. */
    public String listenerId() {
        return listenerId;
    }

    /** Records one finished request: status classes, the 404/499/502/504 counters and the latency. */
    public void recordRequest(final int status, final long latencyMicros) {
        increment(Counter.REQUESTS);
        recordStatus(status, latencyMicros, Counter.STATUS_1XX, Counter.STATUS_2XX, Counter.STATUS_3XX,
            Counter.STATUS_4XX, Counter.STATUS_5XX, Counter.STATUS_404, Counter.STATUS_499, Counter.STATUS_502,
            Counter.STATUS_504);
    }
}
