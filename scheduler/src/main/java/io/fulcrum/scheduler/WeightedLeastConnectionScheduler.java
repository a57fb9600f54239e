package io.fulcrum.scheduler;

/**
 * {@code wlc}: the eligible backend with the smallest connections ÷ effective weight on the caller's lane
 * (LVS and Huawei ELB semantics). See {@link Scheduler} for why counts are per lane.
 */
public final class WeightedLeastConnectionScheduler extends LeastConnectionBase {
    WeightedLeastConnectionScheduler(final int lanes, final int capacity) {
        super(lanes, capacity);
    }

    @Override
    public SchedulerAlgorithm algorithm() {
        return SchedulerAlgorithm.WLC;
    }

    @Override
    int weightOf(final int effectiveWeight) {
        return effectiveWeight;
    }
}
