package io.fulcrum.scheduler;

/**
 * The pick shared by the Maglev schedulers ({@code sh} and {@code mh}): a weighted Maglev table built off the data
 * path for every snapshot, and an O(1) pick of one table entry by the hash the data path passes. The subclasses
 * differ only in which hash that is ({@link FlowHash#source} or {@link FlowHash#flow}).
 */
public abstract sealed class MaglevScheduler extends Scheduler permits SourceHashScheduler, MaglevHashScheduler {
    private final MaglevTable table;

    MaglevScheduler(final int lanes, final int capacity, final int tableSize) {
        super(lanes, capacity);
        this.table = new MaglevTable(tableSize);
    }

    @Override
    public final int pick(final GroupSnapshot snapshot, final int lane, final long flowHash) {
        final int[] entries = snapshot.pickTable();
        if (entries.length == 0) {
            return snapshot.noBackendCode();
        }
        return entries[MaglevTable.indexOf(flowHash, entries.length)];
    }

    @Override
    final int[] buildPickTable(final SnapshotDraft draft) {
        return table.build(draft);
    }
}
