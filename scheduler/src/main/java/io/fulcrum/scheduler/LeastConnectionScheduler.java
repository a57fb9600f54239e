package io.fulcrum.scheduler;

/**
 * {@code lc}: the eligible backend with the fewest active connections on the caller's lane; weights count only
 * as zero or not. See {@link Scheduler} for why counts are per lane.
 */
public final class LeastConnectionScheduler extends LeastConnectionBase {
    LeastConnectionScheduler(final int lanes, final int capacity) {
        super(lanes, capacity);
    }

    @Override
    public SchedulerAlgorithm algorithm() {
        return SchedulerAlgorithm.LC;
    }

    @Override
    int weightOf(final int effectiveWeight) {
        return 1;
    }
}
