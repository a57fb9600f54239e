package io.fulcrum.scheduler.outlier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.BackendGroupConfiguration;
import io.fulcrum.scheduler.BackendSpec;
import io.fulcrum.scheduler.BackendState;
import io.fulcrum.scheduler.GroupSnapshot;
import io.fulcrum.scheduler.Layer;
import io.fulcrum.scheduler.SchedulerAlgorithm;

class OutlierDetectorTest {
    private static int[] fill(final BackendGroup group, final int count) throws Exception {
        final int[] refs = new int[count];
        for (int i = 0; i < count; i++) {
            refs[i] = group.add(new BackendSpec(InetAddress.getByAddress(new byte[] {(byte) 198, 18, 2, (byte) (i + 1)}), 80,
                100), 0);
        }
        return refs;
    }

    private static BackendGroup group() {
        return new BackendGroup(BackendGroupConfiguration.defaults("g", Layer.L4, SchedulerAlgorithm.RR, 2)
            .withHealthChecked(false), 0);
    }

    @Test
    void consecutiveFailuresAcrossLanesEjectAndSuccessResets() throws Exception {
        final BackendGroup group = group();
        final int[] refs = fill(group, 10);
        final OutlierDetector detector = new OutlierDetector(new OutlierConfiguration(5, 30, 300, 50), 2, 1024);
        for (int i = 0; i < 4; i++) {
            detector.recordFailure(i % 2, refs[0], OutlierEvent.SYN_TIMEOUT);
        }
        detector.recordSuccess(0, refs[0]);
        detector.recordSuccess(1, refs[0]);
        detector.recordFailure(0, refs[0], OutlierEvent.SYN_RESET);
        assertThat(detector.evaluate(group, 1_000)).isZero();
        for (int i = 0; i < 4; i++) {
            detector.recordFailure(i % 2, refs[0], OutlierEvent.SYN_RESET);
        }
        assertThat(detector.evaluate(group, 2_000)).isEqualTo(1);
        assertThat(group.snapshot().state(GroupSnapshot.slotOf(refs[0]))).isEqualTo(BackendState.EJECTED);
        assertThat(detector.failures(refs[0], OutlierEvent.SYN_TIMEOUT)).isEqualTo(4);
        assertThat(detector.failures(refs[0], OutlierEvent.SYN_RESET)).isEqualTo(5);
        assertThat(detector.ejectedUntilMs(refs[0])).isEqualTo(32_000);
    }

    @Test
    void backOffDoublesWithRepeatedEjectionsAndCaps() throws Exception {
        final BackendGroup group = group();
        final int[] refs = fill(group, 4);
        final OutlierDetector detector = new OutlierDetector(new OutlierConfiguration(3, 10, 60, 25), 1, 1024);
        final List<Long> durations = new ArrayList<>();
        long now = 0;
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 3; i++) {
                detector.recordFailure(0, refs[1], OutlierEvent.HTTP_5XX);
            }
            assertThat(detector.evaluate(group, now)).isEqualTo(1);
            durations.add(detector.ejectedUntilMs(refs[1]) - now);
            // Failures while ejected belong to the old epoch and do not count after the return.
            now = detector.ejectedUntilMs(refs[1]);
            for (int i = 0; i < 3; i++) {
                detector.recordFailure(0, refs[1], OutlierEvent.HTTP_5XX);
            }
            assertThat(detector.evaluate(group, now - 1)).isZero();
            assertThat(detector.evaluate(group, now)).isEqualTo(1);
            assertThat(group.snapshot().state(GroupSnapshot.slotOf(refs[1]))).isEqualTo(BackendState.UP);
        }
        assertThat(durations).containsExactly(10_000L, 20_000L, 40_000L, 60_000L, 60_000L, 60_000L);
        // Staying in for the max ejection time resets the back-off.
        now += 60_000;
        assertThat(detector.evaluate(group, now)).isZero();
        for (int i = 0; i < 3; i++) {
            detector.recordFailure(0, refs[1], OutlierEvent.CONNECT_FAILURE);
        }
        detector.evaluate(group, now);
        assertThat(detector.ejectedUntilMs(refs[1]) - now).isEqualTo(10_000);
    }

    @Test
    void neverEjectsMoreThanTheConfiguredShare() throws Exception {
        final BackendGroup group = group();
        final int[] refs = fill(group, 10);
        final OutlierDetector detector = new OutlierDetector(new OutlierConfiguration(1, 30, 300, 20), 1, 1024);
        for (final int ref : refs) {
            detector.recordFailure(0, ref, OutlierEvent.HTTP_5XX);
        }
        assertThat(detector.evaluate(group, 0)).isEqualTo(2);
        assertThat(detector.evaluate(group, 1)).isZero();
        assertThat(group.snapshot().eligibleCount()).isEqualTo(8);
        final OutlierDetector off = new OutlierDetector(new OutlierConfiguration(1, 30, 300, 0), 1, 1024);
        off.recordFailure(0, refs[0], OutlierEvent.HTTP_5XX);
        assertThat(off.evaluate(group, 0)).isZero();
    }

    @Test
    void refusesBadSettings() {
        assertThatThrownBy(() -> new OutlierConfiguration(0, 30, 300, 10))
            .hasMessageContaining("consecutive failures must be 1-1000");
        assertThatThrownBy(() -> new OutlierConfiguration(5, 0, 300, 10))
            .hasMessageContaining("base ejection time must be 1-3600 s");
        assertThatThrownBy(() -> new OutlierConfiguration(5, 30, 20, 10))
            .hasMessageContaining("max ejection time must be 30-86400 s");
        assertThatThrownBy(() -> new OutlierConfiguration(5, 30, 300, 101)).hasMessageContaining("percent must be 0-100");
    }
}
