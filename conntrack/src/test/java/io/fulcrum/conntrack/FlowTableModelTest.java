package io.fulcrum.conntrack;

import static io.fulcrum.conntrack.FlowDescriptor.NAT_FULLNAT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Seeded randomized comparison of {@link FlowTable} against a {@link HashMap} oracle, with churn and full tables. */
class FlowTableModelTest {
    private static final int CAPACITY = 1 << 14;
    private static final int KEY_SPACE = 40_000;
    private static final int OPERATIONS = 1_200_000;
    private static final int VIP = 0xC6120101;
    private static final int BACKEND = 0xC6120200;
    private static final int LOCAL = 0xC6120300;

    // Flow key f -> tuples. Original: 198.18.64.0 + (f >> 8) : 1024 + (f & 255) -> VIP:80 (TCP or UDP by f's
    // low bit of (f >> 3)). Reply: BACKEND + f % 13 : 8080 -> LOCAL + (f >> 16) : f & 0xFFFF. All distinct.
    static int origSrc(final int f) {
        return 0xC6124000 + (f >>> 8);
    }

    static int origSrcPort(final int f) {
        return 1024 + (f & 255);
    }

    static int proto(final int f) {
        return ((f >>> 3) & 1) == 0 ? 6 : 17;
    }

    static int replySrc(final int f) {
        return BACKEND + f % 13;
    }

    static int replyDst(final int f) {
        return LOCAL + (f >>> 16);
    }

    static int replyDstPort(final int f) {
        return f & 0xFFFF;
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 0x5EEDL, 20261121L})
    void matchesHashMapOracleOverMoreThanAMillionOperations(final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Map<Integer, Integer> oracle = new HashMap<>();
        final Map<Integer, Integer> keyOfIndex = new HashMap<>();
        final int[] live = new int[CAPACITY];
        final Map<Integer, Integer> livePosition = new HashMap<>();
        int liveCount = 0;
        long expectFull = 0;
        long expectDuplicate = 0;
        long expectRemoved = 0;
        try (FlowTable table = new FlowTable(CAPACITY, 64, 1 << 10, seed, 0)) {
            for (int op = 0; op < OPERATIONS; op++) {
                // Alternate insert-heavy and remove-heavy phases so the load sweeps from empty to full and back.
                final boolean growing = (op / 150_000) % 2 == 0;
                final int dice = random.nextInt(100);
                if (dice < 45) {
                    final int f = random.nextInt(KEY_SPACE);
                    final boolean reply = random.nextBoolean();
                    final int match = reply
                        ? table.lookup(replySrc(f), replyDst(f), 8080, replyDstPort(f), proto(f))
                        : table.lookup(origSrc(f), VIP, origSrcPort(f), 80, proto(f));
                    final Integer expected = oracle.get(f);
                    if (expected == null) {
                        assertThat(match).as("op %d lookup of absent %d", op, f).isEqualTo(FlowTable.NOT_FOUND);
                    } else {
                        assertThat(match).as("op %d lookup of %d", op, f).isEqualTo(expected << 1 | (reply ? 1 : 0));
                    }
                } else if (dice < (growing ? 90 : 60)) {
                    final int f = random.nextInt(KEY_SPACE);
                    final int index = table.insert(origSrc(f), VIP, origSrcPort(f), 80, proto(f), replySrc(f), replyDst(f),
                        8080, replyDstPort(f), NAT_FULLNAT, op, 1_000_000_000L);
                    if (oracle.containsKey(f)) {
                        assertThat(index).as("op %d duplicate %d", op, f).isEqualTo(FlowTable.INSERT_DUPLICATE);
                        expectDuplicate++;
                    } else if (oracle.size() == CAPACITY) {
                        assertThat(index).as("op %d full", op).isEqualTo(FlowTable.INSERT_FULL);
                        expectFull++;
                    } else {
                        assertThat(index).as("op %d insert %d", op, f).isBetween(0, CAPACITY - 1);
                        assertThat(keyOfIndex).as("index %d reused while live", index).doesNotContainKey(index);
                        oracle.put(f, index);
                        keyOfIndex.put(index, f);
                        live[liveCount] = f;
                        livePosition.put(f, liveCount++);
                    }
                } else if (liveCount > 0) {
                    final int position = random.nextInt(liveCount);
                    final int f = live[position];
                    final int index = oracle.remove(f);
                    keyOfIndex.remove(index);
                    live[position] = live[--liveCount];
                    livePosition.put(live[position], position);
                    livePosition.remove(f);
                    assertThat(table.remove(index)).isTrue();
                    expectRemoved++;
                }
                if (op % 200_000 == 199_999) {
                    verifyAll(table, oracle);
                }
            }
            verifyAll(table, oracle);
            assertThat(table.tableFullDrops()).isEqualTo(expectFull).isPositive();
            assertThat(table.duplicateInserts()).isEqualTo(expectDuplicate).isPositive();
            assertThat(table.flowsRemoved()).isEqualTo(expectRemoved);
            assertThat(table.flowsCreated() - table.flowsRemoved()).isEqualTo(oracle.size());
        }
    }

    private static void verifyAll(final FlowTable table, final Map<Integer, Integer> oracle) {
        assertThat(table.activeFlows()).isEqualTo(oracle.size());
        assertThat(table.occupiedIndexSlots()).as("no tombstones").isEqualTo(2L * oracle.size());
        assertThat(table.timerWheel().scheduledCount()).isEqualTo(oracle.size());
        for (Map.Entry<Integer, Integer> e : oracle.entrySet()) {
            final int f = e.getKey();
            assertThat(table.lookup(origSrc(f), VIP, origSrcPort(f), 80, proto(f))).isEqualTo(e.getValue() << 1);
            assertThat(table.lookup(replySrc(f), replyDst(f), 8080, replyDstPort(f), proto(f)))
                .isEqualTo(e.getValue() << 1 | 1);
            assertThat(table.flow(e.getValue()).clientIp()).isEqualTo(origSrc(f));
        }
    }
}
