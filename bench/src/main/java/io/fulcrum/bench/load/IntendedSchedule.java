package io.fulcrum.bench.load;

/**
 * When the next request of one connection is due, and from which instant its latency counts.
 *
 * <p>Closed loop: a request is due as soon as the previous one completed, and latency counts from the moment
 * it is sent. Open loop (wrk2 style, correcting coordinated omission): request {@code k} of this connection is
 * due at {@code firstNs + k * intervalNs} whatever happened before, and its latency counts from that intended
 * instant, not from when it could actually be sent. A stalled server therefore shows up as latency for every
 * request that should have been sent during the stall, instead of as one slow request and a silent gap.
 */
public final class IntendedSchedule {
    private final long intervalNs;
    private long nextNs;

    /**
     * @param firstNs    the intended instant of the first request (nanoTime based)
     * @param intervalNs the interval between this connection's requests; 0 = closed loop
     */
    public IntendedSchedule(final long firstNs, final long intervalNs) {
        if (intervalNs < 0) {
            throw new IllegalArgumentException("intervalNs must be >= 0, got " + intervalNs);
        }
        this.intervalNs = intervalNs;
        this.nextNs = firstNs;
    }

    /** Open loop when the connection has a fixed rate. */
    public boolean openLoop() {
        return intervalNs > 0;
    }

    /** The instant the next request is due (closed loop: the last completion, i.e. due now). */
    public long dueNs() {
        return nextNs;
    }

    /**
     * Takes the next request at {@code nowNs} and returns the instant its latency counts from: the intended
     * instant in open loop (which may lie in the past when the connection is behind), {@code nowNs} otherwise.
     */
    public long take(final long nowNs) {
        if (intervalNs == 0) {
            nextNs = nowNs;
            return nowNs;
        }
        final long intended = nextNs;
        nextNs = intended + intervalNs;
        return intended;
    }
}
