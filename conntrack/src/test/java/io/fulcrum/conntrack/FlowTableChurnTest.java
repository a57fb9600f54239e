package io.fulcrum.conntrack;

import static io.fulcrum.conntrack.FlowDescriptor.NAT_FULLNAT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Long-running insert/remove churn at full load keeps probe lengths where a fresh table has them. */
class FlowTableChurnTest {
    private static final int CAPACITY = 1 << 16;
    private static final int CHURN = 3_000_000;

    @Test
    void churnAtFullLoadDoesNotLengthenProbes() {
        final SplittableRandom random = new SplittableRandom(99);
        final int[] liveKeys = new int[CAPACITY];
        final int[] liveIndex = new int[CAPACITY];
        int nextKey = 0;
        try (FlowTable table = new FlowTable(CAPACITY, 64, 1 << 10, 1234, 0)) {
            for (int i = 0; i < CAPACITY; i++) {
                liveIndex[i] = insert(table, nextKey);
                liveKeys[i] = nextKey++;
            }
            final double freshHit = meanHitProbes(table, liveKeys);
            final double freshMiss = meanMissProbes(table, 1 << 30);
            for (int i = 0; i < CHURN; i++) {
                final int victim = random.nextInt(CAPACITY);
                assertThat(table.remove(liveIndex[victim])).isTrue();
                liveIndex[victim] = insert(table, nextKey);
                liveKeys[victim] = nextKey++;
            }
            final double churnedHit = meanHitProbes(table, liveKeys);
            final double churnedMiss = meanMissProbes(table, 1 << 29);
            assertThat(table.occupiedIndexSlots()).isEqualTo(2L * CAPACITY);
            System.out.printf("mean probes: fresh hit %.3f miss %.3f; after %d churn ops hit %.3f miss %.3f%n",
                freshHit, freshMiss, CHURN, churnedHit, churnedMiss);
            // Linear probing at load 0.5: about 1.5 probes per hit, 2.5 per miss.
            assertThat(freshHit).isLessThan(2.0);
            assertThat(freshMiss).isLessThan(3.5);
            assertThat(churnedHit).isLessThan(freshHit * 1.15);
            assertThat(churnedMiss).isLessThan(freshMiss * 1.15);
            for (int i = 0; i < CAPACITY; i += 97) {
                assertThat(FlowTable.flowIndex(lookupReply(table, liveKeys[i]))).isEqualTo(liveIndex[i]);
            }
        }
    }

    private static int insert(final FlowTable table, final int key) {
        final int index = table.insert(0x0A000000 + key, 0xC6120101, key & 0xFFFF, 80, 6, 0xC6120201, 0xC6120300 + (key >>> 16),
            8080, key & 0xFFFF, NAT_FULLNAT, 0, 1_000_000_000L);
        assertThat(index).isNotNegative();
        return index;
    }

    private static int lookupReply(final FlowTable table, final int key) {
        return table.lookup(0xC6120201, 0xC6120300 + (key >>> 16), 8080, key & 0xFFFF, 6);
    }

    private static double meanHitProbes(final FlowTable table, final int[] keys) {
        final long probes = table.lookupProbes();
        final long lookups = table.lookups();
        for (int key : keys) {
            assertThat(table.lookup(0x0A000000 + key, 0xC6120101, key & 0xFFFF, 80, 6)).isNotNegative();
            assertThat(lookupReply(table, key)).isNotNegative();
        }
        return (double) (table.lookupProbes() - probes) / (table.lookups() - lookups);
    }

    private static double meanMissProbes(final FlowTable table, final int keyBase) {
        final long probes = table.lookupProbes();
        final long lookups = table.lookups();
        for (int i = 0; i < 100_000; i++) {
            assertThat(table.lookup(keyBase + i, 0x01020304, 1, 2, 6)).isEqualTo(FlowTable.NOT_FOUND);
        }
        return (double) (table.lookupProbes() - probes) / (table.lookups() - lookups);
    }
}
