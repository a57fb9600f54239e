package io.fulcrum.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One scheduling algorithm for one backend group: the control side asks it for a read-only pick table when it
 * builds a {@link GroupSnapshot}; data-path threads call {@link #pick} against the current snapshot.
 *
 * <p><b>Lanes.</b> Every thread that picks owns a lane index {@code 0 .. lanes-1} (one per forwarder agent and
 * one per Netty event loop, assigned by the wiring). Per-lane state (round-robin cursors, connection counts,
 * least-connection trees) is written only by its lane, so picks take no lock and share no written cache line.
 * Two threads must never use the same lane at once.
 *
 * <p><b>Connection counts.</b> The data path calls {@link #connectionOpened} when a new flow or backend
 * connection is set up on the picked backend and {@link #connectionClosed} from the same lane when it ends.
 * Counts are per lane (an int array per lane, single writer); {@link #activeConnections} sums the lanes for
 * metrics. {@code lc}/{@code wlc} balance each lane's own counts: flows are spread over agents by RSS and over
 * event loops round-robin, so per-lane balance gives global balance without a shared contended counter, and the
 * pick stays O(1) (the per-lane tree is updated in O(log n) on open/close).
 *
 * <p>All picks are allocation-free and O(1).
 */
public abstract sealed class Scheduler
    permits RoundRobinScheduler, WeightedRoundRobinScheduler, LeastConnectionBase, MaglevScheduler {

    /** Longs between two lanes' cursors: 128 bytes, so adjacent lanes never share a cache line. */
    private static final int CURSOR_STRIDE = 16;
    private static final VarHandle INT_ARRAY = MethodHandles.arrayElementVarHandle(int[].class);

    /** Most lanes a group supports. */
    public static final int MAX_LANES = 4096;

    final int laneCount;
    final int capacity;
    private final long[] cursors;
    // not final: a successor scheduler adopts its predecessor's counts before it is published (adoptCounts)
    private int[][] laneCounts;
    private int[][] laneRefs;

    Scheduler(final int laneCount, final int capacity) {
        if (laneCount < 1 || laneCount > MAX_LANES) {
            throw new IllegalArgumentException("lanes must be 1-" + MAX_LANES + ", got " + laneCount);
        }
        if (capacity < 1 || capacity > BackendGroupConfiguration.MAX_CAPACITY) {
            throw new IllegalArgumentException(
                "capacity must be 1-" + BackendGroupConfiguration.MAX_CAPACITY + ", got " + capacity);
        }
        this.laneCount = laneCount;
        this.capacity = capacity;
        this.cursors = new long[(laneCount + 2) * CURSOR_STRIDE];
        this.laneCounts = new int[laneCount][];
        this.laneRefs = new int[laneCount][];
        for (int lane = 0; lane < laneCount; lane++) {
            laneCounts[lane] = new int[capacity];
            laneRefs[lane] = new int[capacity];
            // Lanes start at different points of the cycle so that agents do not all begin on the same backend;
            // lane 0 starts at the beginning (the documented sequence).
            cursors[(lane + 1) * CURSOR_STRIDE] = lane == 0 ? 0 : FlowHash.mix64(lane) >>> 33;
        }
    }

    /** Creates the scheduler for {@code algorithm}. {@code maglevTableSize} is only read by sh and mh. */
    public static Scheduler create(final SchedulerAlgorithm algorithm, final int lanes, final int capacity,
                                   final int maglevTableSize) {
        return switch (algorithm) {
            case RR -> new RoundRobinScheduler(lanes, capacity);
            case WRR -> new WeightedRoundRobinScheduler(lanes, capacity);
            case LC -> new LeastConnectionScheduler(lanes, capacity);
            case WLC -> new WeightedLeastConnectionScheduler(lanes, capacity);
            case SH -> new SourceHashScheduler(lanes, capacity, maglevTableSize);
            case MH -> new MaglevHashScheduler(lanes, capacity, maglevTableSize);
        };
    }

    /**
     * Creates the scheduler for {@code algorithm} that takes over {@code predecessor}'s connection counts: both
     * write the same per-lane arrays (each lane only from its own thread, whichever scheduler it calls), so flows
     * opened under the old algorithm still count for the new one and close on either. Used when a group's
     * algorithm changes while it runs ({@link BackendGroup#reconfigured}); lanes and capacity must match.
     */
    public static Scheduler successor(final Scheduler predecessor, final SchedulerAlgorithm algorithm,
                                      final int maglevTableSize) {
        final Scheduler next = create(algorithm, predecessor.laneCount, predecessor.capacity, maglevTableSize);
        next.laneCounts = predecessor.laneCounts;
        next.laneRefs = predecessor.laneRefs;
        return next;
    }

    /** The algorithm this scheduler implements. */
    public abstract SchedulerAlgorithm algorithm();

    /**
     * Picks a backend for new work. Allocation-free, lock-free, O(1).
     *
     * @param snapshot the snapshot read once for this duty cycle or request
     * @param lane     the caller's lane
     * @param flowHash {@link FlowHash#source} for sh, {@link FlowHash#flow} for mh, ignored (pass 0) otherwise
     * @return a slot of {@code snapshot} ({@code >= 0}), or {@link GroupSnapshot#noBackendCode()} when no
     *     backend is eligible
     */
    public abstract int pick(GroupSnapshot snapshot, int lane, long flowHash);

    /** Control side: builds this algorithm's read-only pick table for a new snapshot. */
    abstract int[] buildPickTable(SnapshotDraft draft);

    /** Number of lanes. */
    public final int laneCount() {
        return laneCount;
    }

    /** Counts a new flow/connection to backend {@code ref} on {@code lane}. Allocation-free. */
    public final void connectionOpened(final int lane, final int ref) {
        final int slot = GroupSnapshot.slotOf(ref);
        final int[] refs = laneRefs[lane];
        final int[] counts = laneCounts[lane];
        if (refs[slot] != ref) {
            // The slot was reused by another backend since this lane last counted it: start over.
            refs[slot] = ref;
            INT_ARRAY.setOpaque(counts, slot, 0);
        }
        INT_ARRAY.setOpaque(counts, slot, counts[slot] + 1);
        onCountChanged(lane, slot);
    }

    /** Counts the end of a flow/connection opened with {@link #connectionOpened} on the same lane. */
    public final void connectionClosed(final int lane, final int ref) {
        final int slot = GroupSnapshot.slotOf(ref);
        final int[] counts = laneCounts[lane];
        if (laneRefs[lane][slot] == ref && counts[slot] > 0) {
            INT_ARRAY.setOpaque(counts, slot, counts[slot] - 1);
            onCountChanged(lane, slot);
        }
    }

    /** Active connections of backend {@code ref}, summed over lanes (control side, metrics). */
    public final int activeConnections(final int ref) {
        final int slot = GroupSnapshot.slotOf(ref);
        int sum = 0;
        for (int lane = 0; lane < laneCount; lane++) {
            if ((int) INT_ARRAY.getOpaque(laneRefs[lane], slot) == ref) {
                sum += (int) INT_ARRAY.getOpaque(laneCounts[lane], slot);
            }
        }
        return sum;
    }

    /** Hook for least-connection schedulers. */
    void onCountChanged(final int lane, final int slot) {
    }

    final int[] laneCounts(final int lane) {
        return laneCounts[lane];
    }

    /** Next index in {@code 0 .. length-1} for {@code lane}'s cyclic cursor; length must be above 0. */
    final int nextCursor(final int lane, final int length) {
        final int index = (lane + 1) * CURSOR_STRIDE;
        long cursor = cursors[index];
        if (cursor >= length) {
            cursor = cursor % length;
        }
        cursors[index] = cursor + 1;
        return (int) cursor;
    }
}
