package io.fulcrum.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WeightedRoundRobinSchedulerTest {
    private static String picks(final int[] weights, final int count) {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.WRR, 1), 0);
        final int[] refs = Backends.fill(group, weights);
        final GroupSnapshot snapshot = group.snapshot();
        final StringBuilder sequence = new StringBuilder();
        for (int i = 0; i < count; i++) {
            final int slot = group.scheduler().pick(snapshot, 0, 0);
            for (int b = 0; b < refs.length; b++) {
                if (GroupSnapshot.slotOf(refs[b]) == slot) {
                    sequence.append((char) ('a' + b));
                }
            }
        }
        return sequence.toString();
    }

    @Test
    void smoothSequenceMatchesNginxForFiveOneOne() {
        assertThat(picks(new int[] {5, 1, 1}, 14)).isEqualTo("aabacaa" + "aabacaa");
    }

    @Test
    void smoothSequenceNeverBurstsTheHeaviest() {
        // nginx gives a b a c a for 3,1,1 (never three a in a row).
        assertThat(picks(new int[] {3, 1, 1}, 5)).isEqualTo("abaca");
        assertThat(picks(new int[] {4, 2, 1}, 7)).isEqualTo("abacaba");
    }

    @Test
    void equalWeightsArePlainRoundRobin() {
        assertThat(picks(new int[] {30, 30, 30}, 6)).isEqualTo("abcabc");
    }

    @Test
    void largeGroupsGetExactCountsPerPeriodWithoutBursts() {
        final java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        final int n = 1000;
        final int[] weights = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = 1 + random.nextInt(100);
            total += weights[i];
        }
        final long started = System.nanoTime();
        final int[] sequence = WeightedRoundRobinScheduler.smoothSequence(weights);
        assertThat((System.nanoTime() - started) / 1_000_000).as("build ms").isLessThan(2_000);
        assertThat(sequence).hasSize(total);
        final int[] counts = new int[n];
        final int[] lastSeen = new int[n];
        java.util.Arrays.fill(lastSeen, -1);
        for (int step = 0; step < sequence.length; step++) {
            final int slot = sequence[step];
            counts[slot]++;
            if (lastSeen[slot] >= 0) {
                // Picks of one backend are spread: the gap is never below half its fair gap total / w.
                assertThat(2L * (step - lastSeen[slot]) * weights[slot]).isGreaterThanOrEqualTo(total);
            }
            lastSeen[slot] = step;
        }
        assertThat(counts).isEqualTo(weights);
        assertThat(WeightedRoundRobinScheduler.deadlineSequence(new int[] {0, 1, 2}, new int[] {5, 1, 1}, 7))
            .containsExactly(0, 0, 0, 1, 2, 0, 0);
    }

    @Test
    void sequenceIsReducedByGreatestCommonDivisor() {
        final int[] sequence = WeightedRoundRobinScheduler.smoothSequence(new int[] {50, 10, 10});
        assertThat(sequence).containsExactly(0, 0, 1, 0, 2, 0, 0);
    }
}
