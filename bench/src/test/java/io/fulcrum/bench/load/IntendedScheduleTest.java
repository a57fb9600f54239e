package io.fulcrum.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class IntendedScheduleTest {

    @Test
    void closedLoopCountsFromTheActualSend() {
        final IntendedSchedule s = new IntendedSchedule(1_000, 0);
        assertThat(s.openLoop()).isFalse();
        assertThat(s.take(5_000)).isEqualTo(5_000);
        assertThat(s.dueNs()).isEqualTo(5_000);
        assertThat(s.take(9_000)).isEqualTo(9_000);
    }

    @Test
    void openLoopKeepsTheIntendedTimesWhenBehind() {
        final IntendedSchedule s = new IntendedSchedule(1_000, 100);
        assertThat(s.openLoop()).isTrue();
        assertThat(s.take(1_000)).isEqualTo(1_000);
        // the next send happens late (at 1_450) but counts from its intended instant 1_100
        assertThat(s.dueNs()).isEqualTo(1_100);
        assertThat(s.take(1_450)).isEqualTo(1_100);
        assertThat(s.take(1_450)).isEqualTo(1_200);
        assertThat(s.dueNs()).isEqualTo(1_300);
    }

    @Test
    void negativeIntervalIsRefused() {
        assertThatThrownBy(() -> new IntendedSchedule(0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A server that answers in 1 ms but stalls once for 1 s, loaded at 1000 requests/s over one connection: the
     * corrected (open-loop) latencies show the stall for every request that was due during it (about half a
     * second on average), while the uncorrected view sees one slow request among fast ones.
     */
    @Test
    void coordinatedOmissionIsCorrected() {
        final long ms = 1_000_000L;
        final IntendedSchedule corrected = new IntendedSchedule(0, ms);
        final Histogram withCorrection = new Histogram(60_000 * ms, 3);
        final Histogram naive = new Histogram(60_000 * ms, 3);
        long now = 0;
        for (int i = 0; i < 10_000; i++) {
            now = Math.max(now, corrected.dueNs());
            final long origin = corrected.take(now);
            final long service = i == 5_000 ? 1_000 * ms : ms / 2;
            final long done = now + service;
            withCorrection.recordValue(done - origin);
            naive.recordValue(done - now);
            now = done;
        }
        // naive: only one request of 10,000 is slow, so p99 stays at the service time
        assertThat(naive.getValueAtPercentile(99.0)).isLessThan(ms);
        // corrected: about 1000 requests were due during the stall: p90 and above show it
        assertThat(withCorrection.getValueAtPercentile(95.0)).isGreaterThan(400 * ms);
        assertThat(withCorrection.getMaxValue()).isGreaterThanOrEqualTo(999 * ms);
        assertThat(withCorrection.getTotalCount()).isEqualTo(10_000);
    }
}
