package io.fulcrum.tls.metrics;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * TLS counters of one listener: handshakes, resumptions, failures by reason, SNI choices, certificate reloads; in a
 * {@link CounterStore} (label {@code l7 tls <listener> <metric>}), written with atomic adds by the event loops.
 */
public final class TlsCounters {
    /** What is counted. */
    public enum Counter {
        /** Completed handshakes (full and resumed). */
        HANDSHAKES("handshakes"),
        /** Resumed handshakes (session cache or ticket), as reported by the TLS library. */
        RESUMPTIONS("resumptions"),
        /** Failed handshakes: no suite or version in common. */
        FAILED_NO_SHARED_CIPHER("failed-no-shared-cipher"),
        /** Failed handshakes: the client offered no protocol version of the policy. */
        FAILED_PROTOCOL_VERSION("failed-protocol-version"),
        /** Failed handshakes: a client certificate was required and missing. */
        FAILED_CLIENT_CERTIFICATE_MISSING("failed-client-certificate-missing"),
        /** Failed handshakes: the client certificate did not verify against the CA bundle. */
        FAILED_CLIENT_CERTIFICATE_INVALID("failed-client-certificate-invalid"),
        /** Failed handshakes: the handshake did not finish within the timeout. */
        FAILED_TIMEOUT("failed-timeout"),
        /** Failed handshakes: the client closed or sent something that is not TLS. */
        FAILED_OTHER("failed-other"),
        /** SNI matched a certificate name exactly. */
        SNI_EXACT("sni-exact"),
        /** SNI matched a wildcard certificate. */
        SNI_WILDCARD("sni-wildcard"),
        /** No SNI, or no certificate for it: the default certificate was used. */
        SNI_DEFAULT("sni-default"),
        /** Certificates reloaded after a file change or a reload command. */
        CERTIFICATE_RELOADS("certificate-reloads"),
        /** Reloads refused (bad files): the previous certificates stay in use. */
        CERTIFICATE_RELOAD_FAILURES("certificate-reload-failures");

        private final String metric;

        Counter(final String metric) {
            this.metric = metric;
        }

        /** The metric word of the counters-file label. */
        public String metric() {
            return metric;
        }
    }

    private final String listenerId;
    private final AtomicCounter[] values;

    /** Counters of a listener in private heap cells. */
    public TlsCounters(String listenerId) {
        this(listenerId, CounterStore.heap());
    }

    /** Counters of a listener in a store. */
    public TlsCounters(String listenerId, CounterStore store) {
        this.listenerId = listenerId;
        final Counter[] all = Counter.values();
        this.values = new AtomicCounter[all.length];
        for (Counter c : all) {
            values[c.ordinal()] = store.newCounter(CounterStore.TLS,
                    CounterStore.LABEL_PREFIX + " tls " + listenerId + " " + c.metric());
        }
    }

    /** Listener id. */
    public String listenerId() {
        return listenerId;
    }

    /** Adds one. */
    public void increment(Counter c) {
        values[c.ordinal()].increment();
    }

    /** Adds {@code n}. */
    public void add(Counter c, long n) {
        values[c.ordinal()].getAndAdd(n);
    }

    /** Sets a counter the stage samples rather than counts (resumptions, read from the TLS library). */
    public void set(Counter c, long value) {
        values[c.ordinal()].setRelease(value);
    }

    /** Current value. */
    public long get(Counter c) {
        return values[c.ordinal()].get();
    }

    /** Failed handshakes of every reason. */
    public long failures() {
        return get(Counter.FAILED_NO_SHARED_CIPHER) + get(Counter.FAILED_PROTOCOL_VERSION)
                + get(Counter.FAILED_CLIENT_CERTIFICATE_MISSING) + get(Counter.FAILED_CLIENT_CERTIFICATE_INVALID)
                + get(Counter.FAILED_TIMEOUT) + get(Counter.FAILED_OTHER);
    }

    @Override
    public String toString() {
        final StringBuilder s = new StringBuilder("tls ").append(listenerId);
        for (Counter c : Counter.values()) {
            s.append(' ').append(c.metric()).append('=').append(get(c));
        }
        return s.toString();
    }
}
