package io.fulcrum.scheduler;

/**
 * {@code mh}: Maglev on the five-tuple; the data path passes {@link FlowHash#flow}. Every node picks the same
 * backend for a flow, so ECMP re-routing between nodes does not break it. O(1): one table read.
 */
public final class MaglevHashScheduler extends MaglevScheduler {
    MaglevHashScheduler(final int lanes, final int capacity, final int tableSize) {
        super(lanes, capacity, tableSize);
    }

    @Override
    public SchedulerAlgorithm algorithm() {
        return SchedulerAlgorithm.MH;
    }
}
