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
    void sequenceIsReducedByGreatestCommonDivisor() {
        final int[] sequence = WeightedRoundRobinScheduler.smoothSequence(new int[] {50, 10, 10});
        assertThat(sequence).containsExactly(0, 0, 1, 0, 2, 0, 0);
    }
}
