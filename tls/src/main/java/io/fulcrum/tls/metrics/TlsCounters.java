package io.fulcrum.tls.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** TLS counters of one listener: handshakes, resumptions, failures by reason, SNI choices, certificate reloads. */
public final class TlsCounters {
    /** What is counted. */
    public enum Counter {
        /** Completed handshakes (full and resumed). */
        HANDSHAKES,
        /** Resumed handshakes (session cache or ticket), as reported by the TLS library. */
        RESUMPTIONS,
        /** Failed handshakes: no suite or version in common. */
        FAILED_NO_SHARED_CIPHER,
        /** Failed handshakes: the client offered no protocol version of the policy. */
        FAILED_PROTOCOL_VERSION,
        /** Failed handshakes: a client certificate was required and missing. */
        FAILED_CLIENT_CERTIFICATE_MISSING,
        /** Failed handshakes: the client certificate did not verify against the CA bundle. */
        FAILED_CLIENT_CERTIFICATE_INVALID,
        /** Failed handshakes: the handshake did not finish within the timeout. */
        FAILED_TIMEOUT,
        /** Failed handshakes: the client closed or sent something that is not TLS. */
        FAILED_OTHER,
        /** SNI matched a certificate name exactly. */
        SNI_EXACT,
        /** SNI matched a wildcard certificate. */
        SNI_WILDCARD,
        /** No SNI, or no certificate for it: the default certificate was used. */
        SNI_DEFAULT,
        /** Certificates reloaded after a file change or a reload command. */
        CERTIFICATE_RELOADS,
        /** Reloads refused (bad files): the previous certificates stay in use. */
        CERTIFICATE_RELOAD_FAILURES
    }

    private final String listenerId;
    private final Map<Counter, LongAdder> values = new EnumMap<>(Counter.class);

    /** Counters of a listener. */
    public TlsCounters(String listenerId) {
        this.listenerId = listenerId;
        for (Counter c : Counter.values()) {
            values.put(c, new LongAdder());
        }
    }

    /** Listener id. */
    public String listenerId() {
        return listenerId;
    }

    /** Adds one. */
    public void increment(Counter c) {
        values.get(c).increment();
    }

    /** Adds {@code n}. */
    public void add(Counter c, long n) {
        values.get(c).add(n);
    }

    /** Current value. */
    public long get(Counter c) {
        return values.get(c).sum();
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
        values.forEach((k, v) -> s.append(' ').append(k.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(v.sum()));
        return s.toString();
    }
}
