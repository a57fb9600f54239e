package io.fulcrum.scheduler;

/**
 * {@code wrr}: nginx's smooth weighted round robin. Each step every backend's current weight grows by its
 * weight, the largest (first on ties) is picked and loses the total; weights 5,1,1 give a a b a c a a — the
 * heaviest backend never gets a burst. The sequence is periodic with period sum(weights / gcd), so the control
 * side computes one period into the snapshot (O(n × period), at most 100 × n entries) and each lane walks it
 * with its own cursor: the pick is O(1). Lanes start at different offsets.
 */
public final class WeightedRoundRobinScheduler extends Scheduler {
    WeightedRoundRobinScheduler(final int lanes, final int capacity) {
        super(lanes, capacity);
    }

    @Override
    public SchedulerAlgorithm algorithm() {
        return SchedulerAlgorithm.WRR;
    }

    @Override
    public int pick(final GroupSnapshot snapshot, final int lane, final long flowHash) {
        final int[] sequence = snapshot.pickTable();
        final int length = sequence.length;
        if (length == 0) {
            return snapshot.noBackendCode();
        }
        return sequence[nextCursor(lane, length)];
    }

    @Override
    int[] buildPickTable(final SnapshotDraft draft) {
        return smoothSequence(draft.effectiveWeights);
    }

    /** One period of the smooth WRR sequence over the slots with a weight above 0 (slot order breaks ties). */
    static int[] smoothSequence(final int[] weightsBySlot) {
        int n = 0;
        int gcd = 0;
        for (final int w : weightsBySlot) {
            if (w > 0) {
                n++;
                gcd = gcd(gcd, w);
            }
        }
        if (n == 0) {
            return new int[0];
        }
        final int[] slots = new int[n];
        final int[] weights = new int[n];
        int total = 0;
        int i = 0;
        for (int slot = 0; slot < weightsBySlot.length; slot++) {
            if (weightsBySlot[slot] > 0) {
                slots[i] = slot;
                weights[i] = weightsBySlot[slot] / gcd;
                total += weights[i];
                i++;
            }
        }
        final int[] current = new int[n];
        final int[] sequence = new int[total];
        for (int step = 0; step < total; step++) {
            int best = 0;
            current[0] += weights[0];
            for (int j = 1; j < n; j++) {
                current[j] += weights[j];
                if (current[j] > current[best]) {
                    best = j;
                }
            }
            current[best] -= total;
            sequence[step] = slots[best];
        }
        return sequence;
    }

    private static int gcd(final int a, final int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            final int t = x % y;
            x = y;
            y = t;
        }
        return x;
    }
}
