package io.fulcrum.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each algorithm's share over 1 M picks is within 1 % (relative) of its expected share. */
class SchedulerShareTest {
    private static final int PICKS = 1_000_000;
    private static final int[] WEIGHTS = {10, 20, 30, 40, 100};

    @ParameterizedTest
    @EnumSource(SchedulerAlgorithm.class)
    void shareOverMillionPicksWithinOnePercent(final SchedulerAlgorithm algorithm) {
        final BackendGroup group = new BackendGroup(Backends.config(algorithm, 1), 0);
        final int[] refs = Backends.fill(group, WEIGHTS);
        final GroupSnapshot snapshot = group.snapshot();
        final Scheduler scheduler = group.scheduler();
        final SplittableRandom random = new SplittableRandom(42);
        final long[] hits = new long[snapshot.capacity()];
        for (int i = 0; i < PICKS; i++) {
            final long hash = algorithm == SchedulerAlgorithm.SH
                ? FlowHash.source(random.nextInt())
                : FlowHash.flow(random.nextInt(), 0x0a000001, random.nextInt(65536), 80, 6);
            final int slot = scheduler.pick(snapshot, 0, hash);
            assertThat(slot).isGreaterThanOrEqualTo(0);
            hits[slot]++;
            scheduler.connectionOpened(0, snapshot.ref(slot));
        }
        final boolean weighted = algorithm != SchedulerAlgorithm.RR && algorithm != SchedulerAlgorithm.LC;
        final int totalWeight = weighted ? 200 : WEIGHTS.length;
        for (int i = 0; i < refs.length; i++) {
            final int slot = GroupSnapshot.slotOf(refs[i]);
            final double expected = (weighted ? WEIGHTS[i] : 1) / (double) totalWeight;
            final double actual = hits[slot] / (double) PICKS;
            assertThat(Math.abs(actual - expected) / expected)
                .as("%s backend %d share %.5f expected %.5f", algorithm, i, actual, expected).isLessThan(0.01);
            assertThat(scheduler.activeConnections(refs[i])).isEqualTo((int) hits[slot]);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerAlgorithm.class)
    void weightZeroAndDownBackendsTakeNoNewWork(final SchedulerAlgorithm algorithm) {
        final BackendGroup group = new BackendGroup(Backends.config(algorithm, 1).withHealthChecked(true), 0);
        final int[] refs = Backends.fill(group, 50, 0, 50, 50);
        group.setHealthy(refs[0], true, 0);
        group.setHealthy(refs[1], true, 0);
        group.setHealthy(refs[3], true, 0);
        final GroupSnapshot snapshot = group.snapshot();
        assertThat(snapshot.eligibleCount()).isEqualTo(2);
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            final int slot = group.scheduler().pick(snapshot, 0, random.nextLong());
            assertThat(slot).isIn(GroupSnapshot.slotOf(refs[0]), GroupSnapshot.slotOf(refs[3]));
            group.scheduler().connectionOpened(0, snapshot.ref(slot));
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerAlgorithm.class)
    void noEligibleBackendReturnsTheConfiguredCode(final SchedulerAlgorithm algorithm) {
        final BackendGroup reset = new BackendGroup(Backends.config(algorithm, 1).withHealthChecked(true), 0);
        Backends.fill(reset, 100, 100);
        assertThat(reset.scheduler().pick(reset.snapshot(), 0, 123L)).isEqualTo(Pick.NO_BACKEND_RESET);
        final BackendGroup drop = new BackendGroup(Backends.config(algorithm, 1).withNoBackendAction(NoBackendAction.DROP), 0);
        assertThat(drop.scheduler().pick(drop.snapshot(), 0, 123L)).isEqualTo(Pick.NO_BACKEND_DROP);
        assertThat(Pick.isBackend(Pick.NO_BACKEND_DROP)).isFalse();
    }
}
