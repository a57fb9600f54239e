package io.fulcrum.tls;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CidrSet's merged ranges answer exactly as a scan of the blocks would, for both families and any nesting. */
class CidrSetTest {
    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    @Test
    void boundariesNestingAndFamilies() throws Exception {
        final CidrSet set = CidrSet.of(List.of("10.0.0.0/8", "10.1.0.0/16", "192.0.2.128/25", "198.51.100.7",
                "2001:db8::/32", "2001:db8:1::/48", "::1/128", "fe80::/10"));
        assertThat(set.ranges()).isEqualTo(6);
        assertThat(set.contains(ip("10.0.0.0"))).isTrue();
        assertThat(set.contains(ip("10.255.255.255"))).isTrue();
        assertThat(set.contains(ip("11.0.0.0"))).isFalse();
        assertThat(set.contains(ip("9.255.255.255"))).isFalse();
        assertThat(set.contains(ip("192.0.2.127"))).isFalse();
        assertThat(set.contains(ip("192.0.2.128"))).isTrue();
        assertThat(set.contains(ip("192.0.2.255"))).isTrue();
        assertThat(set.contains(ip("198.51.100.7"))).isTrue();
        assertThat(set.contains(ip("198.51.100.8"))).isFalse();
        assertThat(set.contains(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"))).isTrue();
        assertThat(set.contains(ip("2001:db9::"))).isFalse();
        assertThat(set.contains(ip("::1"))).isTrue();
        assertThat(set.contains(ip("::2"))).isFalse();
        assertThat(set.contains(ip("febf:ffff::1"))).isTrue();
        assertThat(set.contains(ip("fec0::"))).isFalse();
        // an IPv4 address never matches an IPv6 block and the other way round
        assertThat(CidrSet.of(List.of("::/0")).contains(ip("1.2.3.4"))).isFalse();
        assertThat(CidrSet.of(List.of("0.0.0.0/0")).contains(ip("1.2.3.4"))).isTrue();
        assertThat(CidrSet.of(List.of("0.0.0.0/0")).contains(ip("2001:db8::1"))).isFalse();
        assertThat(CidrSet.of(List.of()).isEmpty()).isTrue();
        assertThatThrownBy(() -> CidrSet.of(List.of("10.0.0.0/33"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CidrSet.of(List.of("example.com"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void agreesWithAScanOfRandomBlocks() throws Exception {
        final SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 20; round++) {
            final List<String> blocks = new ArrayList<>();
            final List<long[]> v4 = new ArrayList<>();
            final int n = 1 + random.nextInt(300);
            for (int i = 0; i < n; i++) {
                // a small address space so that blocks nest and touch often
                final int len = 8 + random.nextInt(25);
                final long a = (0x0A000000L | random.nextInt(1 << 16) << 8) & 0xFFFFFFFFL;
                final long mask = (1L << (32 - len)) - 1;
                final long net = a & ~mask;
                v4.add(new long[] {net, net | mask});
                blocks.add(((net >>> 24) & 0xFF) + "." + ((net >>> 16) & 0xFF) + "." + ((net >>> 8) & 0xFF) + "." + (net & 0xFF)
                        + "/" + len);
            }
            final CidrSet set = CidrSet.of(blocks);
            for (int probe = 0; probe < 2000; probe++) {
                final long a = (0x0A000000L | random.nextInt(1 << 24)) & 0xFFFFFFFFL;
                final boolean expected = v4.stream().anyMatch(r -> a >= r[0] && a <= r[1]);
                final InetAddress address = InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16),
                        (byte) (a >>> 8), (byte) a});
                assertThat(set.contains(address)).as("%s in %s", address, blocks).isEqualTo(expected);
            }
        }
    }
}
