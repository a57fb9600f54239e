package io.fulcrum.forwarder.io.xdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Ring arithmetic against a simulated kernel side, across u32 wrap-around. */
class XskRingTest {
    private static final long PRODUCER = 0;
    private static final long CONSUMER = 64;
    private static final long FLAGS = 128;
    private static final long DESC = 192;

    @Test
    void producerSideNeverOverrunsTheConsumerAndWrapsAroundU32() {
        try (Arena arena = Arena.ofConfined()) {
            final int size = 8;
            final MemorySegment mapping = arena.allocate(DESC + size * 8L, 64);
            // Start near the u32 wrap so the free-running indices overflow during the test.
            mapping.set(ValueLayout.JAVA_INT, PRODUCER, -5);
            mapping.set(ValueLayout.JAVA_INT, CONSUMER, -5);
            final XskRing ring = new XskRing(mapping, PRODUCER, CONSUMER, FLAGS, DESC, size, true);
            final SplittableRandom random = new SplittableRandom(42);
            long nextValue = 0;
            long expectedValue = 0;
            int kernelConsumer = -5;
            for (int step = 0; step < 10_000; step++) {
                final int wanted = 1 + random.nextInt(size + 2);
                final int free = ring.free(wanted);
                final int kernelProducer = mapping.get(ValueLayout.JAVA_INT, PRODUCER);
                assertThat(free).isLessThanOrEqualTo(wanted).isLessThanOrEqualTo(size - (ring.producerIndex() - kernelConsumer));
                final int first = ring.producerIndex();
                for (int i = 0; i < free; i++) {
                    ring.setAddress(first + i, nextValue++);
                }
                ring.produced(free);
                ring.submit();
                assertThat(mapping.get(ValueLayout.JAVA_INT, PRODUCER)).isEqualTo(kernelProducer + free);
                // the "kernel" consumes a random number of the published entries
                final int published = mapping.get(ValueLayout.JAVA_INT, PRODUCER) - kernelConsumer;
                final int take = random.nextInt(published + 1);
                for (int i = 0; i < take; i++) {
                    final long value = mapping.get(ValueLayout.JAVA_LONG, DESC + ((kernelConsumer + i) & (size - 1)) * 8L);
                    assertThat(value).isEqualTo(expectedValue++);
                }
                kernelConsumer += take;
                mapping.set(ValueLayout.JAVA_INT, CONSUMER, kernelConsumer);
            }
            assertThat(nextValue).isGreaterThan(10_000);
        }
    }

    @Test
    void consumerSideSeesExactlyWhatWasPublishedInOrder() {
        try (Arena arena = Arena.ofConfined()) {
            final int size = 16;
            final MemorySegment mapping = arena.allocate(DESC + size * 16L, 64);
            mapping.set(ValueLayout.JAVA_INT, PRODUCER, Integer.MAX_VALUE - 3);
            mapping.set(ValueLayout.JAVA_INT, CONSUMER, Integer.MAX_VALUE - 3);
            final XskRing ring = new XskRing(mapping, PRODUCER, CONSUMER, FLAGS, DESC, size, false);
            final SplittableRandom random = new SplittableRandom(7);
            int kernelProducer = Integer.MAX_VALUE - 3;
            long produced = 0;
            long consumed = 0;
            for (int step = 0; step < 10_000; step++) {
                final int room = size - (kernelProducer - mapping.get(ValueLayout.JAVA_INT, CONSUMER));
                final int put = random.nextInt(room + 1);
                for (int i = 0; i < put; i++) {
                    final long at = DESC + ((kernelProducer + i) & (size - 1)) * 16L;
                    mapping.set(ValueLayout.JAVA_LONG, at, produced);
                    mapping.set(ValueLayout.JAVA_INT, at + 8, (int) (produced % 1500));
                    produced++;
                }
                kernelProducer += put;
                mapping.set(ValueLayout.JAVA_INT, PRODUCER, kernelProducer);
                final int available = ring.available(1 + random.nextInt(size));
                final int first = ring.consumerIndex();
                for (int i = 0; i < available; i++) {
                    assertThat(ring.descriptorAddress(first + i)).isEqualTo(consumed);
                    assertThat(ring.descriptorLength(first + i)).isEqualTo((int) (consumed % 1500));
                    consumed++;
                }
                ring.consumed(available);
                ring.release();
                assertThat(mapping.get(ValueLayout.JAVA_INT, CONSUMER)).isEqualTo(ring.consumerIndex());
            }
            assertThat(consumed).isGreaterThan(10_000).isLessThanOrEqualTo(produced);
        }
    }

    @Test
    void needWakeupFollowsTheFlagsWordAndIsAlwaysSetWithoutOne() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment mapping = arena.allocate(DESC + 64, 64);
            final XskRing ring = new XskRing(mapping, PRODUCER, CONSUMER, FLAGS, DESC, 4, true);
            assertThat(ring.needsWakeup()).isFalse();
            mapping.set(ValueLayout.JAVA_INT, FLAGS, XskDescriptor.XDP_RING_NEED_WAKEUP);
            assertThat(ring.needsWakeup()).isTrue();
            assertThat(ring.needsWakeupFlagSet()).isTrue();
            final XskRing old = new XskRing(mapping, PRODUCER, CONSUMER, -1, DESC, 4, true);
            assertThat(old.needsWakeup()).isTrue();
            assertThat(old.needsWakeupFlagSet()).isFalse();
        }
    }
}
