package io.fulcrum.scheduler;

/**
 * Shared machinery of {@code lc} and {@code wlc}: each lane keeps a tournament tree over its own connection
 * counts whose root is the backend with the fewest connections per unit of weight (lowest slot on ties).
 * The pick reads the root (O(1)); {@link #connectionOpened}/{@link #connectionClosed} replay the path from the
 * changed leaf (O(log n)). When a lane sees a new snapshot it rebuilds its tree once (O(capacity), no
 * allocation: arrays are sized to the capacity up front).
 */
abstract sealed class LeastConnectionBase extends Scheduler permits LeastConnectionScheduler, WeightedLeastConnectionScheduler {
    private final Lane[] lanes;
    private final int leafBase;

    /** One lane's tree; fields written only by the lane's thread. */
    private static final class Lane {
        final int[] tree;
        final int[] weights;
        GroupSnapshot snapshot;

        Lane(final int leafBase, final int capacity) {
            this.tree = new int[2 * leafBase];
            this.weights = new int[capacity];
        }
    }

    LeastConnectionBase(final int laneCount, final int capacity) {
        super(laneCount, capacity);
        int size = 1;
        while (size < capacity) {
            size <<= 1;
        }
        this.leafBase = size;
        this.lanes = new Lane[laneCount];
        for (int i = 0; i < laneCount; i++) {
            lanes[i] = new Lane(size, capacity);
        }
    }

    /** The weight this algorithm uses for an eligible backend of effective weight {@code effectiveWeight}. */
    abstract int weightOf(int effectiveWeight);

    @Override
    public final int pick(final GroupSnapshot snapshot, final int lane, final long flowHash) {
        final Lane l = lanes[lane];
        if (l.snapshot != snapshot) {
            rebuild(l, snapshot, laneCounts(lane));
        }
        final int winner = l.tree[1];
        return winner >= 0 ? winner : snapshot.noBackendCode();
    }

    @Override
    final int[] buildPickTable(final SnapshotDraft draft) {
        return new int[0];
    }

    @Override
    final void onCountChanged(final int lane, final int slot) {
        final Lane l = lanes[lane];
        if (l.snapshot == null) {
            return;
        }
        final int[] tree = l.tree;
        final int[] counts = laneCounts(lane);
        final int[] weights = l.weights;
        int node = (leafBase + slot) >> 1;
        while (node >= 1) {
            tree[node] = better(tree[2 * node], tree[2 * node + 1], counts, weights);
            node >>= 1;
        }
    }

    private void rebuild(final Lane l, final GroupSnapshot snapshot, final int[] counts) {
        final int[] effective = snapshot.effectiveWeights();
        final int[] weights = l.weights;
        final int[] tree = l.tree;
        final int slots = Math.min(effective.length, weights.length);
        for (int slot = 0; slot < leafBase; slot++) {
            final int w = slot < slots && effective[slot] > 0 ? weightOf(effective[slot]) : 0;
            if (slot < weights.length) {
                weights[slot] = w;
            }
            tree[leafBase + slot] = w > 0 ? slot : -1;
        }
        for (int node = leafBase - 1; node >= 1; node--) {
            tree[node] = better(tree[2 * node], tree[2 * node + 1], counts, weights);
        }
        l.snapshot = snapshot;
    }

    /** The slot with fewer connections per weight; {@code a} (the lower slot) on ties; -1 = none. */
    private static int better(final int a, final int b, final int[] counts, final int[] weights) {
        if (a < 0) {
            return b;
        }
        if (b < 0) {
            return a;
        }
        // counts[a] / weights[a] <= counts[b] / weights[b], without division.
        return (long) counts[a] * weights[b] <= (long) counts[b] * weights[a] ? a : b;
    }
}
