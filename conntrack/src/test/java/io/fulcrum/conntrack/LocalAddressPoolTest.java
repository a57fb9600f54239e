package io.fulcrum.conntrack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalAddressPoolTest {
    private static final int[] LOCAL_IPS = {0xC6120302, 0xC6120301, 0xC6120303};

    @ParameterizedTest(name = "{0} cores")
    @ValueSource(ints = {1, 2, 3, 4, 6, 8})
    void coresPartitionEveryPairExactlyOnceAndRepliesSteerBack(final int cores) {
        final Set<Long> all = new HashSet<>();
        for (int core = 0; core < cores; core++) {
            final LocalAddressPool pool = new LocalAddressPool(LOCAL_IPS, 1024, 65535, cores, core);
            for (int i = 0; i < pool.size(); i++) {
                final int handle = pool.next();
                final int port = LocalAddressPool.port(handle);
                assertThat(LocalAddressPool.coreOfPort(port, cores)).isEqualTo(core);
                assertThat(port).isBetween(1024, 65535);
                assertThat(pool.owns(pool.ip(handle), port)).isTrue();
                assertThat(all.add((long) pool.ip(handle) << 16 | port)).as("pair handed to two cores").isTrue();
            }
        }
        assertThat(all).hasSize(LOCAL_IPS.length * (65535 - 1024 + 1));
    }

    @Test
    void theRotationComesBackToAPairOnlyAfterEveryOtherPair() {
        final LocalAddressPool pool = new LocalAddressPool(new int[] {7, 8}, 3000, 3009, 1, 0);
        final int first = pool.next();
        final Set<Integer> seen = new HashSet<>();
        seen.add(first);
        for (int i = 1; i < pool.size(); i++) {
            assertThat(seen.add(pool.next())).as("pair repeated before the rotation ended").isTrue();
        }
        assertThat(pool.next()).isEqualTo(first);
        assertThat(pool.size()).isEqualTo(20);
    }

    @Test
    void powerOfTwoCoreCountsSteerWithAPortMask() {
        for (final int cores : new int[] {2, 4, 8}) {
            final int mask = (cores - 1) << 1;
            for (int port = 0; port <= 65535; port++) {
                // One NIC rule per core: dst-port (core << 1) with only bits 1..k compared.
                assertThat(LocalAddressPool.coreOfPort(port, cores)).isEqualTo((port & mask) >>> 1);
            }
        }
    }

    @ParameterizedTest(name = "{0} cores")
    @ValueSource(ints = {2, 3, 4})
    void evenPortsAloneReachEveryCore(final int cores) {
        // Linux clients connect() from even ports first: they must not all land on the even cores.
        final int[] perCore = new int[cores];
        for (int port = 32768; port < 61000; port += 2) {
            perCore[LocalAddressPool.coreOfPort(port, cores)]++;
        }
        for (int core = 0; core < cores; core++) {
            assertThat(perCore[core]).as("even ports owned by core %d", core).isBetween(14116 / cores - 1, 14116 / cores + 1);
        }
    }

    @ParameterizedTest(name = "{0} cores")
    @ValueSource(ints = {1, 2, 3, 4})
    void oddAndNarrowRangesHoldExactlyTheirOwnPorts(final int cores) {
        for (int min = 1000; min < 1010; min++) {
            for (int max = min; max < min + 12; max++) {
                int owned = 0;
                for (int core = 0; core < cores; core++) {
                    final Set<Integer> expected = new HashSet<>();
                    for (int port = min; port <= max; port++) {
                        if (LocalAddressPool.coreOfPort(port, cores) == core) {
                            expected.add(port);
                        }
                    }
                    if (expected.isEmpty()) {
                        final int c = core;
                        final int lo = min;
                        final int hi = max;
                        assertThatThrownBy(() -> new LocalAddressPool(new int[] {1}, lo, hi, cores, c))
                            .isInstanceOf(IllegalArgumentException.class);
                        continue;
                    }
                    final LocalAddressPool pool = new LocalAddressPool(new int[] {1}, min, max, cores, core);
                    final Set<Integer> seen = new HashSet<>();
                    for (int i = 0; i < pool.size(); i++) {
                        final int handle = pool.next();
                        seen.add(LocalAddressPool.port(handle));
                        pool.acquire(handle);
                    }
                    assertThat(seen).as("core %d of %d, %d..%d", core, cores, min, max).isEqualTo(expected);
                    assertThat(pool.available()).isZero();
                    for (final int port : expected) {
                        assertThat(pool.release(1, port)).isTrue();
                    }
                    assertThat(pool.available()).isEqualTo(expected.size());
                    owned += expected.size();
                }
                assertThat(owned).isEqualTo(max - min + 1);
            }
        }
    }

    @Test
    void aPairMayServeSeveralFlowsAndIsFreeWhenTheLastOneLeaves() {
        final LocalAddressPool pool = new LocalAddressPool(new int[] {1}, 2000, 2003, 1, 0);
        final int handle = pool.next();
        pool.acquire(handle);
        pool.acquire(handle);
        assertThat(pool.users(1, LocalAddressPool.port(handle))).isEqualTo(2);
        assertThat(pool.available()).isEqualTo(3);
        assertThat(pool.release(1, LocalAddressPool.port(handle))).isTrue();
        assertThat(pool.available()).isEqualTo(3);
        assertThat(pool.release(1, LocalAddressPool.port(handle))).isTrue();
        assertThat(pool.available()).isEqualTo(4);
        assertThat(pool.allocations()).isEqualTo(2);
        assertThat(pool.releases()).isEqualTo(2);
    }

    @Test
    void badReleasesAreRefusedAndCounted() {
        final LocalAddressPool pool = new LocalAddressPool(new int[] {7, 8}, 3000, 3009, 2, 1);
        final int handle = pool.next();
        pool.acquire(handle);
        assertThat(pool.coreId()).isEqualTo(1);
        assertThat(pool.release(pool.ip(handle), LocalAddressPool.port(handle))).isTrue();
        assertThat(pool.release(pool.ip(handle), LocalAddressPool.port(handle))).as("double release").isFalse();
        assertThat(pool.release(9, 3001)).as("unknown address").isFalse();
        assertThat(pool.release(7, 3000)).as("other core's port").isFalse();
        assertThat(pool.release(7, 4001)).as("outside the range").isFalse();
        assertThat(pool.invalidReleases()).isEqualTo(4);
        assertThat(pool.releases()).isEqualTo(1);
        // Core 1 of 2 holds 3002, 3003, 3006, 3007 of 3000..3009 on each address.
        assertThat(pool.available()).isEqualTo(pool.size()).isEqualTo(8);
    }

    @Test
    void consecutivePairsSpreadOverLocalAddresses() {
        final LocalAddressPool pool = new LocalAddressPool(LOCAL_IPS, 5000, 5001, 1, 0);
        final Set<Integer> ips = new HashSet<>();
        for (int i = 0; i < LOCAL_IPS.length; i++) {
            ips.add(pool.ip(pool.next()));
        }
        assertThat(ips).hasSize(LOCAL_IPS.length);
    }

    @Test
    void badConfigurationIsExplained() {
        assertThatThrownBy(() -> new LocalAddressPool(new int[0], 1, 2, 1, 0)).hasMessageContaining("local addresses");
        assertThatThrownBy(() -> new LocalAddressPool(new int[] {1, 1}, 1, 2, 1, 0))
            .hasMessage("local address listed twice: 0.0.0.1");
        assertThatThrownBy(() -> new LocalAddressPool(new int[] {1}, 0, 2, 1, 0)).hasMessageContaining("1..65535");
        assertThatThrownBy(() -> new LocalAddressPool(new int[] {1}, 9, 2, 1, 0)).hasMessageContaining("min <= max");
        assertThatThrownBy(() -> new LocalAddressPool(new int[] {1}, 1, 2, 2, 2)).hasMessageContaining("core 2 of 2");
        assertThatThrownBy(() -> new LocalAddressPool(new int[] {1}, 4, 4, 2, 1)).hasMessageContaining("no port for core 1");
    }
}
