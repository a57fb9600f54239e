package io.fulcrum.scheduler.outlier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.GroupSnapshot;

/**
 * Outlier detection (passive health) for one backend group. Data paths record failures and successes per lane
 * (allocation-free, single writer per lane); the control side runs {@link #evaluate} periodically (e.g. every
 * second), which ejects backends whose consecutive failures reach the threshold for a back-off time that
 * doubles with each ejection up to a cap, never ejecting more than the configured share of the group, and
 * returns them when the time is up (through {@link BackendGroup#setEjected}, so slow start applies on return).
 *
 * <p>"Consecutive" is counted per lane and summed: each lane counts failures since its own last success. The
 * return from an ejection starts a new epoch for the backend, so failures from before it (or from its existing
 * flows while it was out) do not count after its return.
 * The back-off multiplier resets once the backend has stayed in for the max ejection time.
 */
public final class OutlierDetector {
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int KINDS = OutlierEvent.VALUES.length;

    private final OutlierConfiguration configuration;
    private final int lanes;
    private final int capacity;
    private final int[][] consecutive;
    private final int[][] laneRefs;
    private final int[][] laneEpochs;
    private final long[][] totals;
    private final int[] epochs;
    private final int[] trackedRefs;
    private final int[] ejections;
    private final long[] ejectedUntilMs;
    private final long[] returnedAtMs;

    public OutlierDetector(final OutlierConfiguration configuration, final int lanes, final int capacity) {
        this.configuration = configuration;
        this.lanes = lanes;
        this.capacity = capacity;
        this.consecutive = new int[lanes][capacity];
        this.laneRefs = new int[lanes][capacity];
        this.laneEpochs = new int[lanes][capacity];
        this.totals = new long[lanes][capacity * KINDS];
        this.epochs = new int[capacity];
        this.trackedRefs = new int[capacity];
        this.ejections = new int[capacity];
        this.ejectedUntilMs = new long[capacity];
        this.returnedAtMs = new long[capacity];
    }

    /** Data path: a failure of backend {@code ref} seen on {@code lane}. */
    public void recordFailure(final int lane, final int ref, final OutlierEvent event) {
        final int slot = GroupSnapshot.slotOf(ref);
        final int[] counts = consecutive[lane];
        syncLane(lane, slot, ref);
        INTS.setOpaque(counts, slot, counts[slot] + 1);
        final long[] t = totals[lane];
        final int index = slot * KINDS + event.ordinal();
        LONGS.setOpaque(t, index, t[index] + 1);
    }

    /** Data path: a success (SYN-ACK, non-5xx response) of backend {@code ref} seen on {@code lane}. */
    public void recordSuccess(final int lane, final int ref) {
        final int slot = GroupSnapshot.slotOf(ref);
        syncLane(lane, slot, ref);
        if (consecutive[lane][slot] != 0) {
            INTS.setOpaque(consecutive[lane], slot, 0);
        }
    }

    /** Total failures of one kind recorded for {@code ref} (metrics). */
    public long failures(final int ref, final OutlierEvent event) {
        final int slot = GroupSnapshot.slotOf(ref);
        long sum = 0;
        for (int lane = 0; lane < lanes; lane++) {
            if ((int) INTS.getOpaque(laneRefs[lane], slot) == ref) {
                sum += (long) LONGS.getOpaque(totals[lane], slot * KINDS + event.ordinal());
            }
        }
        return sum;
    }

    /** How many times in a row (without a reset) {@code ref} has been ejected. */
    public synchronized int ejections(final int ref) {
        final int slot = GroupSnapshot.slotOf(ref);
        return trackedRefs[slot] == ref ? ejections[slot] : 0;
    }

    /** Control side: ejects and returns backends of {@code group}; returns the number of state changes. */
    public synchronized int evaluate(final BackendGroup group, final long nowMs) {
        final GroupSnapshot snapshot = group.snapshot();
        int members = 0;
        int ejected = 0;
        for (int slot = 0; slot < capacity && slot < snapshot.capacity(); slot++) {
            final int ref = snapshot.ref(slot);
            if (ref == 0) {
                continue;
            }
            members++;
            if (trackedRefs[slot] != ref) {
                trackedRefs[slot] = ref;
                ejections[slot] = 0;
                ejectedUntilMs[slot] = 0;
                returnedAtMs[slot] = nowMs;
            }
            if (ejectedUntilMs[slot] > nowMs) {
                ejected++;
            }
        }
        final int allowed = members * configuration.maxEjectionPercent() / 100;
        int changes = 0;
        for (int slot = 0; slot < capacity && slot < snapshot.capacity(); slot++) {
            final int ref = snapshot.ref(slot);
            if (ref == 0) {
                continue;
            }
            if (ejectedUntilMs[slot] != 0) {
                if (ejectedUntilMs[slot] <= nowMs) {
                    ejectedUntilMs[slot] = 0;
                    returnedAtMs[slot] = nowMs;
                    INTS.setOpaque(epochs, slot, epochs[slot] + 1);
                    group.setEjected(ref, false, nowMs);
                    changes++;
                }
                continue;
            }
            if (ejections[slot] > 0 && nowMs - returnedAtMs[slot] >= configuration.maxEjectionS() * 1000L) {
                ejections[slot] = 0;
            }
            if (ejected < allowed && consecutiveFailures(slot, ref) >= configuration.consecutiveFailures()) {
                final int k = Math.min(ejections[slot], 30);
                ejections[slot]++;
                final long durationMs = Math.min(configuration.baseEjectionS() * 1000L << k,
                    configuration.maxEjectionS() * 1000L);
                ejectedUntilMs[slot] = nowMs + durationMs;
                INTS.setOpaque(epochs, slot, epochs[slot] + 1);
                group.setEjected(ref, true, nowMs);
                ejected++;
                changes++;
            }
        }
        return changes;
    }

    /** When backend {@code ref}'s current ejection ends, or 0 if it is not ejected. */
    public synchronized long ejectedUntilMs(final int ref) {
        final int slot = GroupSnapshot.slotOf(ref);
        return trackedRefs[slot] == ref ? ejectedUntilMs[slot] : 0;
    }

    private int consecutiveFailures(final int slot, final int ref) {
        final int epoch = epochs[slot];
        int sum = 0;
        for (int lane = 0; lane < lanes; lane++) {
            if ((int) INTS.getOpaque(laneRefs[lane], slot) == ref && (int) INTS.getOpaque(laneEpochs[lane], slot) == epoch) {
                sum += (int) INTS.getOpaque(consecutive[lane], slot);
            }
        }
        return sum;
    }

    /** Restarts the lane's count when the slot got another backend or the backend a new epoch (ejection). */
    private void syncLane(final int lane, final int slot, final int ref) {
        final int epoch = (int) INTS.getOpaque(epochs, slot);
        if (laneRefs[lane][slot] != ref) {
            INTS.setOpaque(laneRefs[lane], slot, ref);
            INTS.setOpaque(consecutive[lane], slot, 0);
            final long[] t = totals[lane];
            for (int k = 0; k < KINDS; k++) {
                LONGS.setOpaque(t, slot * KINDS + k, 0L);
            }
            INTS.setOpaque(laneEpochs[lane], slot, epoch);
        } else if (laneEpochs[lane][slot] != epoch) {
            INTS.setOpaque(consecutive[lane], slot, 0);
            INTS.setOpaque(laneEpochs[lane], slot, epoch);
        }
    }
}
