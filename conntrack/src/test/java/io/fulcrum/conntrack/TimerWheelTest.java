package io.fulcrum.conntrack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimerWheelTest {
    private static final int ENTRY_BYTES = 32;
    private static final int LINKS_OFFSET = 4;

    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    private TimerWheel wheel(final int entries, final int tickMs, final int slots, final long startMs) {
        final MemorySegment slab = arena.allocate((long) entries * ENTRY_BYTES, 8);
        return new TimerWheel(slab, ENTRY_BYTES, LINKS_OFFSET, tickMs, slots, startMs);
    }

    @Test
    void expiresEveryEntryAtItsDeadlineNeverEarlyAtMostOneTickLate() {
        final int n = 20_000;
        final int tickMs = 16;
        final TimerWheel wheel = wheel(n, tickMs, 1 << 10, 1_000);
        final SplittableRandom random = new SplittableRandom(7);
        final long[] deadline = new long[n];
        final long[] expiredAt = new long[n];
        for (int i = 0; i < n; i++) {
            deadline[i] = 1_000 + random.nextLong(120_000);   // beyond one lap (16.4 s) too
            wheel.schedule(i, deadline[i]);
        }
        long now = 1_000;
        int expired = 0;
        int lastStep = 0;
        while (expired < n && now < 200_000) {
            lastStep = 1 + random.nextInt(40);
            now += lastStep;
            final long t = now;
            wheel.poll(now, Integer.MAX_VALUE, (index, nowMs) -> expiredAt[index] = t);
            expired = (int) wheel.expiredCount();
        }
        assertThat(expired).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            assertThat(expiredAt[i]).as("entry %d", i).isGreaterThanOrEqualTo(deadline[i])
                .isLessThanOrEqualTo(deadline[i] + 2L * tickMs + 40);
        }
        assertThat(wheel.scheduledCount()).isZero();
    }

    @Test
    void pollDoesBoundedWorkAndResumesWhereItStopped() {
        final TimerWheel wheel = wheel(1_000, 64, 1 << 8, 0);
        for (int i = 0; i < 1_000; i++) {
            wheel.schedule(i, 500);
        }
        final List<Integer> seen = new ArrayList<>();
        for (int call = 0; call < 10; call++) {
            assertThat(wheel.poll(10_000, 100, (index, nowMs) -> seen.add(index))).isEqualTo(100);
            assertThat(seen).hasSize(100 * (call + 1));
        }
        assertThat(wheel.poll(10_000, 100, (index, nowMs) -> seen.add(index))).isZero();
        assertThat(seen).doesNotHaveDuplicates().hasSize(1_000);
    }

    @Test
    void refreshedDeadlineOnlyWritesUntilTheSlotFiresThenRelinksOnce() {
        final TimerWheel wheel = wheel(4, 64, 1 << 8, 0);
        final List<Long> expiries = new ArrayList<>();
        wheel.schedule(0, 1_000);
        for (int packet = 0; packet < 1_000; packet++) {
            wheel.refresh(0, 5_000);
        }
        assertThat(wheel.relinkedCount()).isZero();
        assertThat(wheel.poll(1_200, 100, (index, nowMs) -> expiries.add(nowMs))).isEqualTo(1);
        assertThat(expiries).isEmpty();
        assertThat(wheel.relinkedCount()).isEqualTo(1);
        wheel.poll(4_999, 100, (index, nowMs) -> expiries.add(nowMs));
        assertThat(expiries).isEmpty();
        wheel.poll(5_100, 100, (index, nowMs) -> expiries.add(nowMs));
        assertThat(expiries).containsExactly(5_100L);
    }

    @Test
    void earlierDeadlineRelinksAtOnce() {
        final TimerWheel wheel = wheel(4, 64, 1 << 16, 0);
        final List<Integer> expired = new ArrayList<>();
        wheel.schedule(1, 900_000);
        wheel.refresh(1, 10_000);
        assertThat(wheel.deadlineMs(1)).isEqualTo(10_000);
        wheel.poll(9_990, 100, (index, nowMs) -> expired.add(index));
        assertThat(expired).isEmpty();
        wheel.poll(10_100, 100, (index, nowMs) -> expired.add(index));
        assertThat(expired).containsExactly(1);
    }

    @Test
    void entriesMoreThanOneLapAwayWaitForTheirLap() {
        final TimerWheel wheel = wheel(2, 1, 16, 0);   // one lap = 16 ms
        final List<Long> expiries = new ArrayList<>();
        wheel.schedule(0, 100);
        wheel.schedule(1, 116);    // same slot, one lap later
        int work = 0;
        for (long now = 1; now <= 130; now++) {
            work += wheel.poll(now, 10, (index, nowMs) -> expiries.add(nowMs * 10 + index));
        }
        assertThat(expiries).containsExactly(1010L, 1171L);
        assertThat(work).isLessThanOrEqualTo(2 * (130 / 16 + 1) + 2);
    }

    @Test
    void handlerMayCancelTheNextEntryOfTheSlotAndRescheduleItself() {
        final TimerWheel wheel = wheel(3, 64, 1 << 8, 0);
        wheel.schedule(0, 100);
        wheel.schedule(1, 100);
        wheel.schedule(2, 100);
        final List<Integer> expired = new ArrayList<>();
        wheel.poll(1_000, 100, (index, nowMs) -> {
            expired.add(index);
            if (expired.size() == 1) {
                // Cancel whichever entry comes next and reschedule this one later.
                final int other = index == 1 ? 0 : 1;
                wheel.cancel(other);
                wheel.schedule(index, 5_000);
            }
        });
        assertThat(expired).hasSize(2);
        assertThat(wheel.scheduledCount()).isEqualTo(1);
        wheel.poll(6_000, 100, (index, nowMs) -> expired.add(index));
        assertThat(expired).hasSize(3);
        assertThat(wheel.scheduledCount()).isZero();
    }

    @Test
    void aLongPauseIsCaughtUpWithOneLapOfSlots() {
        final TimerWheel wheel = wheel(2, 1, 16, 0);
        wheel.schedule(0, 1_000);
        wheel.schedule(1, 2_500);
        final List<Integer> expired = new ArrayList<>();
        // 2000 ticks behind: one call walks 16 slots, expires what is due, relinks the rest, jumps to now.
        assertThat(wheel.poll(2_000, 100, (index, nowMs) -> expired.add(index))).isEqualTo(2);
        assertThat(expired).containsExactly(0);
        assertThat(wheel.currentTick()).isEqualTo(2_000);
        for (long now = 2_001; now <= 2_501; now++) {
            wheel.poll(now, 100, (index, nowMs) -> expired.add(index));
            assertThat(expired).hasSize(now <= 2_500 ? 1 : 2);
        }
    }

    @Test
    void cancellingAnUnlinkedEntryIsABug() {
        final TimerWheel wheel = wheel(2, 1, 16, 0);
        wheel.schedule(0, 5);
        wheel.cancel(0);
        assertThatThrownBy(() -> wheel.cancel(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void badGeometryIsRejected() {
        final MemorySegment slab = arena.allocate(64, 8);
        assertThatThrownBy(() -> new TimerWheel(slab, 32, 4, 10, 16, 0)).hasMessageContaining("tickMs");
        assertThatThrownBy(() -> new TimerWheel(slab, 32, 4, 8, 15, 0)).hasMessageContaining("slots");
        assertThatThrownBy(() -> new TimerWheel(slab, 32, 8, 8, 16, 0)).hasMessageContaining("do not fit");
    }
}
