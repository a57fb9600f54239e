package io.fulcrum.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Picks from several lanes at once while the control side republishes; picks allocate nothing. */
class SchedulerConcurrencyTest {
    private static final int LANES = 4;

    @ParameterizedTest
    @EnumSource(SchedulerAlgorithm.class)
    void lanesPickConcurrentlyWhileSnapshotsChange(final SchedulerAlgorithm algorithm) throws Exception {
        final BackendGroup group = new BackendGroup(Backends.config(algorithm, LANES).withCapacity(64), 0);
        final int[] refs = Backends.fill(group, 10, 20, 30, 40, 50, 60, 70, 80);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final long[] picked = new long[LANES];
        final List<Thread> threads = new ArrayList<>();
        for (int lane = 0; lane < LANES; lane++) {
            final int l = lane;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    final SplittableRandom random = new SplittableRandom(l);
                    for (int i = 0; i < 200_000; i++) {
                        final GroupSnapshot s = group.snapshot();
                        final int slot = group.scheduler().pick(s, l, random.nextLong());
                        if (slot >= 0) {
                            if (s.ref(slot) == 0) {
                                throw new AssertionError("picked a free slot " + slot);
                            }
                            group.scheduler().connectionOpened(l, s.ref(slot));
                            group.scheduler().connectionClosed(l, s.ref(slot));
                            picked[l]++;
                        }
                    }
                } catch (final Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (int i = 0; i < 200; i++) {
            group.setHealthy(refs[i % refs.length], i % 3 != 0, i);
            group.setWeight(refs[(i + 1) % refs.length], 1 + i % 100, i);
        }
        for (final Thread t : threads) {
            t.join(30_000);
        }
        assertThat(failure.get()).isNull();
        for (final int ref : refs) {
            assertThat(group.scheduler().activeConnections(ref)).isZero();
        }
        for (final long p : picked) {
            assertThat(p).isPositive();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerAlgorithm.class)
    void pickAllocatesNothing(final SchedulerAlgorithm algorithm) {
        final BackendGroup group = new BackendGroup(Backends.config(algorithm, 2), 0);
        Backends.fill(group, 10, 20, 30, 40);
        final Scheduler scheduler = group.scheduler();
        final com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long id = Thread.currentThread().threadId();
        long sink = 0;
        for (int round = 0; round < 3; round++) {
            final long before = bean.getThreadAllocatedBytes(id);
            for (int i = 0; i < 1_000_000; i++) {
                final GroupSnapshot s = group.snapshot();
                final int slot = scheduler.pick(s, 1, FlowHash.source(i));
                final int ref = s.ref(slot);
                scheduler.connectionOpened(1, ref);
                scheduler.connectionClosed(1, ref);
                sink += slot + 1;
            }
            final long allocated = bean.getThreadAllocatedBytes(id) - before;
            if (round == 2) {
                assertThat(allocated).as("bytes allocated by 1 M picks").isLessThan(1024);
            }
        }
        assertThat(sink).isPositive();
    }
}
