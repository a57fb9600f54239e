package io.fulcrum.scheduler;

/**
 * {@code sh}: source-IP consistent hash over a weighted {@link MaglevTable}; the data path passes
 * {@link FlowHash#source}. A client keeps its backend while that backend stays eligible, on every core and on
 * every node with the same configuration. O(1): one table read.
 */
public final class SourceHashScheduler extends MaglevScheduler {
    SourceHashScheduler(final int lanes, final int capacity, final int tableSize) {
        super(lanes, capacity, tableSize);
    }

    @Override
    public SchedulerAlgorithm algorithm() {
        return SchedulerAlgorithm.SH;
    }
}
