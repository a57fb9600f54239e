package io.fulcrum.scheduler;

/**
 * {@code rr}: each lane walks the eligible backends in slot order, one pick each; weights count only as zero
 * (no new work) or not. Lanes start at different offsets. O(1).
 */
public final class RoundRobinScheduler extends Scheduler {
    RoundRobinScheduler(final int lanes, final int capacity) {
        super(lanes, capacity);
    }

    @Override
    public SchedulerAlgorithm algorithm() {
        return SchedulerAlgorithm.RR;
    }

    @Override
    public int pick(final GroupSnapshot snapshot, final int lane, final long flowHash) {
        final int[] eligible = snapshot.pickTable();
        final int length = eligible.length;
        if (length == 0) {
            return snapshot.noBackendCode();
        }
        return eligible[nextCursor(lane, length)];
    }

    @Override
    int[] buildPickTable(final SnapshotDraft draft) {
        final int[] weights = draft.effectiveWeights;
        int count = 0;
        for (final int w : weights) {
            if (w > 0) {
                count++;
            }
        }
        final int[] eligible = new int[count];
        int i = 0;
        for (int slot = 0; slot < weights.length; slot++) {
            if (weights[slot] > 0) {
                eligible[i++] = slot;
            }
        }
        return eligible;
    }
}
