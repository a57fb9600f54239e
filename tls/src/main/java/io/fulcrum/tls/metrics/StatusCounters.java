package io.fulcrum.tls.metrics;

import org.HdrHistogram.Recorder;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * What {@link ListenerCounters} and {@link BackendCounters} share: one {@link AtomicCounter} per slot of their
 * counter enum, in a {@link CounterStore} under {@code <prefix> <metric>}, written by the event loops with atomic adds
 * (lock-free, no allocation), and a latency {@link Recorder} in microseconds for finished requests with their status
 * class and the 404/499/502/504 slots.
 *
 * @param <C> the counter slots
 */
abstract class StatusCounters<C extends Enum<C> & StatusCounters.Slot> {
    /** A counter slot and its metric word in the counters-file label. */
    interface Slot {
        /** The metric word of the counters-file label. */
        String metric();
    }

    /** Highest latency recorded, in microseconds (an hour); longer requests count as an hour. */
    static final long MAX_LATENCY_US = 3_600_000_000L;

    private final AtomicCounter[] values;
    private final Recorder latencyUs;

    StatusCounters(final C[] slots, final CounterStore store, final int typeId, final String labelPrefix,
                   final int latencyDigits) {
        values = new AtomicCounter[slots.length];
        for (final C c : slots) {
            values[c.ordinal()] = store.newCounter(typeId, labelPrefix + " " + c.metric());
        }
        latencyUs = new Recorder(MAX_LATENCY_US, latencyDigits);
    }

    /** Current value. */
    public long get(final C c) {
        return values[c.ordinal()].get();
    }

    /** Adds delta. */
    public void add(final C c, final long delta) {
        values[c.ordinal()].getAndAdd(delta);
    }

    /** Adds one. */
    public void increment(final C c) {
        values[c.ordinal()].increment();
    }

    /**
     * The latency recorder (microseconds). Exactly one reader may take its intervals
     * ({@link Recorder#getIntervalHistogram()}): the node registers it with its metrics exporter.
     */
    public Recorder latencyRecorder() {
        return latencyUs;
    }

    /** Counts {@code status} in its class slot and in its own slot when it has one, and records the latency. */
    final void recordStatus(final int status, final long latencyMicros, final C c1xx, final C c2xx, final C c3xx,
                            final C c4xx, final C c5xx, final C c404, final C c499, final C c502, final C c504) {
        increment(switch (status / 100) {
            case 1 -> c1xx;
            case 2 -> c2xx;
            case 3 -> c3xx;
            case 4 -> c4xx;
            default -> c5xx;
        });
        switch (status) {
            case 404 -> increment(c404);
            case 499 -> increment(c499);
            case 502 -> increment(c502);
            case 504 -> increment(c504);
            default -> {
            }
        }
        latencyUs.recordValue(Math.min(Math.max(0, latencyMicros), MAX_LATENCY_US));
    }
}
