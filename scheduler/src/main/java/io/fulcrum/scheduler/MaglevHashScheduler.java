package io.fulcrum.scheduler;

/**
 * {@code mh}: Maglev on the five-tuple; the data path passes {@link FlowHash#flow}. Every node picks the same
 * backend for a flow, so ECMP re-routing between nodes does not break it. O(1): one table read.
 */
public final class MaglevHashScheduler extends Scheduler {
    private final MaglevTable table;

    MaglevHashScheduler(final int lanes, final int capacity, final int tableSize) {
        super(lanes, capacity);
        this.table = new MaglevTable(tableSize);
    }

    @Override
    public SchedulerAlgorithm algorithm() {
        return SchedulerAlgorithm.MH;
    }

    @Override
    public int pick(final GroupSnapshot snapshot, final int lane, final long flowHash) {
        final int[] entries = snapshot.pickTable();
        if (entries.length == 0) {
            return snapshot.noBackendCode();
        }
        return entries[MaglevTable.indexOf(flowHash, entries.length)];
    }

    @Override
    int[] buildPickTable(final SnapshotDraft draft) {
        return table.build(draft);
    }
}
