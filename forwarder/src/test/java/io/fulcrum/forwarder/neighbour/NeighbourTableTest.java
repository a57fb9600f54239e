package io.fulcrum.forwarder.neighbour;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class NeighbourTableTest {
    private static final long MAC_A = 0x0200_0000_0a01L;
    private static final long MAC_B = 0x0200_0000_0a02L;
    private static final int IP_A = 0xc6120101;
    private static final int IP_B = 0xc6120102;

    @Test
    void learnedEntryResolvesUntilReachableTimeThenAges() {
        final NeighbourTable table = new NeighbourTable(64, 8, 30_000, 1000);
        assertThat(table.lookup(IP_A, 0)).isEqualTo(NeighbourTable.UNRESOLVED);
        assertThat(table.learn(IP_A, MAC_A, 0, 1000, true)).isEqualTo(NeighbourTable.LEARN_CREATED);
        assertThat(table.lookup(IP_A, 1000)).isEqualTo(MAC_A);
        assertThat(table.lookup(IP_A, 30_999)).isEqualTo(MAC_A);
        assertThat(table.lookup(IP_A, 31_000)).isEqualTo(NeighbourTable.UNRESOLVED);
        assertThat(table.expire(31_000, 64)).isEqualTo(1);
        assertThat(table.size()).isZero();
        assertThat(table.state(IP_A)).isEqualTo(NeighbourTable.STATE_FREE);
    }

    @Test
    void refreshExtendsLifetimeAndMovesTheMac() {
        final NeighbourTable table = new NeighbourTable(64, 8, 30_000, 1000);
        table.learn(IP_A, MAC_A, 0, 0, true);
        assertThat(table.learn(IP_A, MAC_B, 1, 20_000, false)).isEqualTo(NeighbourTable.LEARN_UPDATED);
        assertThat(table.lookup(IP_A, 45_000)).isEqualTo(MAC_B);
        assertThat(table.port(IP_A)).isEqualTo(1);
    }

    @Test
    void withoutCreateAnAbsentEntryIsNotAdded() {
        final NeighbourTable table = new NeighbourTable(64, 8, 30_000, 1000);
        assertThat(table.learn(IP_A, MAC_A, 0, 0, false)).isEqualTo(NeighbourTable.LEARN_ABSENT);
        assertThat(table.size()).isZero();
    }

    @Test
    void staticEntriesNeverAgeAndAreNotOverwritten() {
        final NeighbourTable table = new NeighbourTable(64, 8, 30_000, 1000);
        table.addStatic(IP_A, MAC_A, 1);
        assertThat(table.learn(IP_A, MAC_B, 0, 0, true)).isEqualTo(NeighbourTable.LEARN_STATIC_KEPT);
        assertThat(table.expire(Long.MAX_VALUE - 1, 64)).isZero();
        assertThat(table.lookup(IP_A, Long.MAX_VALUE - 1)).isEqualTo(MAC_A);
        assertThat(table.port(IP_A)).isEqualTo(1);
    }

    @Test
    void resolutionIsRateLimitedPerAddressAndCompletedByLearning() {
        final NeighbourTable table = new NeighbourTable(64, 8, 30_000, 1000);
        assertThat(table.beginResolution(IP_A, 1, 0)).isEqualTo(NeighbourTable.RESOLVE_SEND_REQUEST);
        assertThat(table.beginResolution(IP_A, 1, 999)).isEqualTo(NeighbourTable.RESOLVE_RATE_LIMITED);
        assertThat(table.beginResolution(IP_A, 1, 1000)).isEqualTo(NeighbourTable.RESOLVE_SEND_REQUEST);
        assertThat(table.beginResolution(IP_B, 1, 1000)).isEqualTo(NeighbourTable.RESOLVE_SEND_REQUEST);
        assertThat(table.pending()).isEqualTo(2);
        assertThat(table.lookup(IP_A, 1000)).isEqualTo(NeighbourTable.UNRESOLVED);
        assertThat(table.learn(IP_A, MAC_A, 1, 1100, false)).isEqualTo(NeighbourTable.LEARN_UPDATED);
        assertThat(table.pending()).isEqualTo(1);
        assertThat(table.lookup(IP_A, 1100)).isEqualTo(MAC_A);
    }

    @Test
    void pendingResolutionsAreBoundedAndAbandonedOnesExpire() {
        final NeighbourTable table = new NeighbourTable(64, 4, 30_000, 1000);
        for (int i = 0; i < 4; i++) {
            assertThat(table.beginResolution(IP_A + i, 0, 0)).isEqualTo(NeighbourTable.RESOLVE_SEND_REQUEST);
        }
        assertThat(table.beginResolution(IP_A + 4, 0, 0)).isEqualTo(NeighbourTable.RESOLVE_PENDING_FULL);
        assertThat(table.expire(2999, 64)).isZero();
        assertThat(table.expire(3000, 64)).isEqualTo(4);
        assertThat(table.pending()).isZero();
        assertThat(table.beginResolution(IP_A + 4, 0, 3000)).isEqualTo(NeighbourTable.RESOLVE_SEND_REQUEST);
    }

    @Test
    void capacityIsBoundedAtThreeQuarters() {
        final NeighbourTable table = new NeighbourTable(16, 4, 30_000, 1000);
        for (int i = 0; i < 12; i++) {
            assertThat(table.learn(IP_A + i, MAC_A, 0, 0, true)).isEqualTo(NeighbourTable.LEARN_CREATED);
        }
        assertThat(table.learn(IP_A + 12, MAC_A, 0, 0, true)).isEqualTo(NeighbourTable.LEARN_TABLE_FULL);
        assertThat(table.beginResolution(IP_A + 12, 0, 0)).isEqualTo(NeighbourTable.RESOLVE_TABLE_FULL);
        assertThat(table.size()).isEqualTo(12);
        for (int i = 0; i < 12; i++) {
            assertThat(table.lookup(IP_A + i, 1)).isEqualTo(MAC_A);
        }
    }

    @Test
    void randomOperationsAgreeWithAMapModel() {
        final SplittableRandom random = new SplittableRandom(826);
        final NeighbourTable table = new NeighbourTable(256, 64, 500, 100);
        final Map<Integer, long[]> model = new HashMap<>(); // ip -> {mac, expiry}
        long now = 0;
        for (int step = 0; step < 200_000; step++) {
            now += random.nextInt(3);
            final int ip = 0xc6120000 + random.nextInt(300);
            if (random.nextInt(4) == 0) {
                final int removed = table.expire(now, 16);
                assertThat(removed).isGreaterThanOrEqualTo(0);
                continue;
            }
            final long mac = 0x0200_0000_0000L + random.nextInt(1000);
            final int result = table.learn(ip, mac, 0, now, true);
            if (result == NeighbourTable.LEARN_TABLE_FULL) {
                assertThat(table.size()).isEqualTo(table.maxSize());
                continue;
            }
            model.put(ip, new long[] {mac, now + 500});
            for (int probe = 0; probe < 4; probe++) {
                final int other = 0xc6120000 + random.nextInt(300);
                final long[] expected = model.get(other);
                final long actual = table.lookup(other, now);
                if (expected != null && now < expected[1]) {
                    assertThat(actual).as("ip %d at %d", other, now).isEqualTo(expected[0]);
                } else {
                    assertThat(actual).isEqualTo(NeighbourTable.UNRESOLVED);
                }
            }
        }
    }
}
