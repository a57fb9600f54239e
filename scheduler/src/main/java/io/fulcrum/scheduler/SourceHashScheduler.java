package io.fulcrum.scheduler;

/**
 * {@code sh}: source-IP consistent hash over a weighted {@link MaglevTable}; the data path passes
 * {@link FlowHash#source}. A client keeps its backend while that backend stays eligible, on every core and on
 * every node with the same configuration. O(1): one table read.
 */
public final class SourceHashScheduler extends Scheduler {
    private final MaglevTable table;

    SourceHashScheduler(final int lanes, final int capacity, final int tableSize) {
        super(lanes, capacity);
        this.table = new MaglevTable(tableSize);
    }

    @Override
    public SchedulerAlgorithm algorithm() {
        return SchedulerAlgorithm.SH;
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
