package io.fulcrum.conntrack;

import java.util.Arrays;

/**
 * Per-listener idle timeouts: one per LVS TCP state, one for UDP sessions, one for ICMP sessions, and whether
 * an idle ESTABLISHED flow is reset on both sides when it expires. Immutable: the conductor builds a new one on
 * a configuration change and publishes it; agents read it per packet without synchronisation.
 *
 * <p>Defaults are LVS's ({@code tcp_timeouts[]} in {@code ip_vs_proto_tcp.c}) except where PRODUCT.md decides:
 * ESTABLISHED 900 s, SYN_RECV 30 s (LVS: 60 s), UDP 90 s (LVS: 300 s). ICMP 60 s as LVS.
 */
public final class TimeoutProfile {
    /** Smallest ESTABLISHED and UDP timeout a listener may configure, seconds (PRODUCT.md). */
    public static final long MIN_IDLE_TIMEOUT_S = 10;
    /** Largest ESTABLISHED and UDP timeout a listener may configure, seconds (PRODUCT.md). */
    public static final long MAX_IDLE_TIMEOUT_S = 4000;
    /** Largest timeout of any other state, seconds. */
    public static final long MAX_STATE_TIMEOUT_S = 4000;

    private static final long[] DEFAULT_TCP_S = {
        2,      // NONE
        900,    // ESTABLISHED (PRODUCT.md; LVS 15 min)
        120,    // SYN_SENT
        30,     // SYN_RECV (PRODUCT.md; LVS 60 s)
        120,    // FIN_WAIT
        120,    // TIME_WAIT
        10,     // CLOSE
        60,     // CLOSE_WAIT
        30,     // LAST_ACK
        120,    // LISTEN
        120,    // SYNACK
    };

    /** The defaults described above, resetting idle ESTABLISHED flows. */
    public static final TimeoutProfile DEFAULT = builder().build();

    private final long[] tcpTimeoutMs;
    private final long udpTimeoutMs;
    private final long icmpTimeoutMs;
    private final boolean resetOnIdleExpiry;

    private TimeoutProfile(final Builder builder) {
        this.tcpTimeoutMs = new long[TcpState.COUNT];
        for (int i = 0; i < TcpState.COUNT; i++) {
            this.tcpTimeoutMs[i] = builder.tcpTimeoutS[i] * 1000L;
        }
        this.udpTimeoutMs = builder.udpTimeoutS * 1000L;
        this.icmpTimeoutMs = builder.icmpTimeoutS * 1000L;
        this.resetOnIdleExpiry = builder.resetOnIdleExpiry;
    }

    /**
     * A builder starting from the defaults.
     *
     * @return a new builder.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Idle timeout of a TCP state.
     *
     * @param tcpState one of {@link TcpState}.
     * @return the timeout in milliseconds.
     */
    public long tcpTimeoutMs(final int tcpState) {
        return tcpTimeoutMs[tcpState];
    }

    /**
     * Idle timeout of UDP sessions.
     *
     * @return milliseconds.
     */
    public long udpTimeoutMs() {
        return udpTimeoutMs;
    }

    /**
     * Idle timeout of ICMP sessions.
     *
     * @return milliseconds.
     */
    public long icmpTimeoutMs() {
        return icmpTimeoutMs;
    }

    /**
     * Whether an ESTABLISHED flow that times out is reset towards client and backend.
     *
     * @return true to send RST to both sides.
     */
    public boolean resetOnIdleExpiry() {
        return resetOnIdleExpiry;
    }

    /**
     * Idle timeout for a flow of a protocol in a state.
     *
     * @param proto IP protocol number.
     * @param tcpState the flow's TCP state (ignored unless TCP).
     * @return milliseconds.
     */
    public long timeoutMs(final int proto, final int tcpState) {
        if (proto == 6) {
            return tcpTimeoutMs[tcpState];
        }
        return proto == 17 ? udpTimeoutMs : icmpTimeoutMs;
    }

    @Override
    public String toString() {
        return "TimeoutProfile{tcpTimeoutMs=" + Arrays.toString(tcpTimeoutMs) + ", udpTimeoutMs=" + udpTimeoutMs
            + ", icmpTimeoutMs=" + icmpTimeoutMs + ", resetOnIdleExpiry=" + resetOnIdleExpiry + '}';
    }

    /** Builds a {@link TimeoutProfile}; every setter checks its range and names the field in its error. */
    public static final class Builder {
        private final long[] tcpTimeoutS = DEFAULT_TCP_S.clone();
        private long udpTimeoutS = 90;
        private long icmpTimeoutS = 60;
        private boolean resetOnIdleExpiry = true;

        private Builder() {
        }

        /**
         * Sets the timeout of one TCP state.
         *
         * @param tcpState one of {@link TcpState}.
         * @param timeoutS seconds: 10–4000 for ESTABLISHED, 1–4000 otherwise.
         * @return this.
         */
        public Builder tcpTimeoutS(final int tcpState, final long timeoutS) {
            final String name = TcpState.name(tcpState);
            if (tcpState == TcpState.ESTABLISHED) {
                check("tcp-timeout." + name, timeoutS, MIN_IDLE_TIMEOUT_S, MAX_IDLE_TIMEOUT_S);
            } else {
                check("tcp-timeout." + name, timeoutS, 1, MAX_STATE_TIMEOUT_S);
            }
            tcpTimeoutS[tcpState] = timeoutS;
            return this;
        }

        /**
         * Sets the UDP session timeout.
         *
         * @param timeoutS seconds, 10–4000.
         * @return this.
         */
        public Builder udpTimeoutS(final long timeoutS) {
            check("udp-timeout", timeoutS, MIN_IDLE_TIMEOUT_S, MAX_IDLE_TIMEOUT_S);
            udpTimeoutS = timeoutS;
            return this;
        }

        /**
         * Sets the ICMP session timeout.
         *
         * @param timeoutS seconds, 1–4000.
         * @return this.
         */
        public Builder icmpTimeoutS(final long timeoutS) {
            check("icmp-timeout", timeoutS, 1, MAX_STATE_TIMEOUT_S);
            icmpTimeoutS = timeoutS;
            return this;
        }

        /**
         * Sets whether idle ESTABLISHED flows are reset on both sides at expiry.
         *
         * @param reset true to reset.
         * @return this.
         */
        public Builder resetOnIdleExpiry(final boolean reset) {
            resetOnIdleExpiry = reset;
            return this;
        }

        /**
         * Builds the immutable profile.
         *
         * @return the profile.
         */
        public TimeoutProfile build() {
            return new TimeoutProfile(this);
        }

        private static void check(final String field, final long value, final long min, final long max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + " must be " + min + ".." + max + " s, was " + value);
            }
        }
    }
}
