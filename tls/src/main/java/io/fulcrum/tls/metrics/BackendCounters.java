package io.fulcrum.tls.metrics;

/**
 * Counters of one backend as seen by one listener's L7 proxy, in a {@link CounterStore} (label
 * {@code l7 backend <group>/<backend> <metric>}; listeners sharing a group each have a set, readers sum them).
 * Written by the event loops with atomic adds (lock-free, no allocation). The response latency of the requests whose
 * last try went to this backend goes to an HdrHistogram {@link Recorder} in microseconds.
 */
public final class BackendCounters extends StatusCounters<BackendCounters.Counter> {
    /** Counter slots with their metric word in the counters-file label. */
    public enum Counter implements StatusCounters.Slot {
        /** Requests (tries) sent. */
        REQUESTS("requests"),
        /** Requests answered 1xx (final status, e.g. 101) whose last try went to this backend. */
        STATUS_1XX("status-1xx"),
        /** Requests answered 2xx whose last try went to this backend. */
        STATUS_2XX("status-2xx"),
        /** Requests answered 3xx whose last try went to this backend. */
        STATUS_3XX("status-3xx"),
        /** Requests answered 4xx (including 499) whose last try went to this backend. */
        STATUS_4XX("status-4xx"),
        /** Requests answered 5xx (the backend's or the proxy's 502/504) whose last try went to this backend. */
        STATUS_5XX("status-5xx"),
        /** Of those, 404. */
        STATUS_404("status-404"),
        /** Of those, the client left before the response (499). */
        STATUS_499("status-499"),
        /** Of those, 502 (the backend's, or the proxy's after a connect failure or a bad response). */
        STATUS_502("status-502"),
        /** Of those, 504 (the backend's, or the proxy's after a timeout). */
        STATUS_504("status-504"),
        /** Connect failures (refused or timed out). */
        CONNECT_FAILURES("connect-failures"),
        /** Response timeouts. */
        TIMEOUTS("timeouts"),
        /** Resets or malformed responses. */
        FAILURES("failures"),
        /** Connections currently open to the backend. */
        CONNECTIONS_ACTIVE("active-conns"),
        /** Connections opened to the backend since start (less than REQUESTS when keep-alive pooling works). */
        CONNECTIONS_OPENED("conns"),
        /** Bytes sent to the backend (the client-to-backend direction, {@code in} as in the L4 counters). */
        BYTES_OUT("in-bytes"),
        /** Bytes received from the backend (the backend-to-client direction, {@code out}). */
        BYTES_IN("out-bytes"),
        /** TLS handshakes with the backend that failed for another reason than its certificate (https groups). */
        TLS_HANDSHAKE_FAILURES("tls-handshake-failures"),
        /** TLS handshakes refused because the backend certificate did not verify: chain or name (https groups). */
        TLS_VERIFY_FAILURES("tls-verify-failures");

        private final String metric;

        Counter(final String metric) {
            this.metric = metric;
        }

        @Override
        public String metric() {
            return metric;
        }
    }

    private final String backendId;

    /** Counters of this backend in private heap cells. */
    public BackendCounters(final String backendId) {
        this("", backendId, CounterStore.heap());
    }

    /**
     * Counters of a backend of a group in a store.
     *
     * @param groupId   the group's id
     * @param backendId the backend's id ({@code address:port})
     * @param store     where the counters live
     */
    public BackendCounters(final String groupId, final String backendId, final CounterStore store) {
        super(Counter.values(), store, CounterStore.L7_BACKEND,
            CounterStore.LABEL_PREFIX + " backend " + groupId + "/" + backendId, 2);
        this.backendId = backendId;
    }

    /** Backend id. */
    public String backendId() {
        return backendId;
    }

    /**
     * Records a finished request whose last try went to this backend: its final status (class and 404/499/502/504)
     * and the time from the start of that try to the end of the response.
     */
    public void recordRequest(final int status, final long latencyMicros) {
        recordStatus(status, latencyMicros, Counter.STATUS_1XX, Counter.STATUS_2XX, Counter.STATUS_3XX,
            Counter.STATUS_4XX, Counter.STATUS_5XX, Counter.STATUS_404, Counter.STATUS_499, Counter.STATUS_502,
            Counter.STATUS_504);
    }
}
