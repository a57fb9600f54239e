package io.fulcrum.forwarder.l4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.proto.Bytes;

/** ACL lookups: merged ranges and binary search agree with a linear scan over thousands of random prefixes. */
class AclTableTest {
    @Test
    void allowAndDenyWithOverlappingPrefixes() {
        final int[] networks = {Bytes.parseIpv4("10.0.0.0"), Bytes.parseIpv4("10.1.0.0"), Bytes.parseIpv4("192.168.1.128"),
            Bytes.parseIpv4("255.255.255.255"), Bytes.parseIpv4("10.1.2.0")};
        final int[] prefixes = {16, 16, 25, 32, 24};
        final AclTable allow = AclTable.of(AclTable.Mode.ALLOW, networks, prefixes);
        assertThat(allow.ranges()).isEqualTo(3);
        assertThat(allow.admits(Bytes.parseIpv4("10.0.255.255"))).isTrue();
        assertThat(allow.admits(Bytes.parseIpv4("10.1.2.3"))).isTrue();
        assertThat(allow.admits(Bytes.parseIpv4("10.2.0.0"))).isFalse();
        assertThat(allow.admits(Bytes.parseIpv4("192.168.1.127"))).isFalse();
        assertThat(allow.admits(Bytes.parseIpv4("192.168.1.200"))).isTrue();
        assertThat(allow.admits(Bytes.parseIpv4("255.255.255.255"))).isTrue();
        assertThat(allow.admits(Bytes.parseIpv4("0.0.0.0"))).isFalse();
        final AclTable deny = AclTable.of(AclTable.Mode.DENY, networks, prefixes);
        assertThat(deny.admits(Bytes.parseIpv4("10.0.0.1"))).isFalse();
        assertThat(deny.admits(Bytes.parseIpv4("11.0.0.1"))).isTrue();
        assertThat(AclTable.of(AclTable.Mode.ALLOW, new int[0], new int[0]).admits(1)).as("empty allow list").isFalse();
        assertThat(AclTable.of(AclTable.Mode.DENY, new int[] {0}, new int[] {0}).admits(Bytes.parseIpv4("8.8.8.8"))).isFalse();
        assertThatThrownBy(() -> AclTable.of(AclTable.Mode.DENY, new int[] {0}, new int[] {33}))
            .hasMessageContaining("prefix length");
    }

    @Test
    void fiveThousandRandomPrefixesMatchALinearScan() {
        final SplittableRandom random = new SplittableRandom(300);
        final int n = 5000;
        final int[] networks = new int[n];
        final int[] prefixes = new int[n];
        for (int i = 0; i < n; i++) {
            networks[i] = random.nextInt();
            prefixes[i] = 8 + random.nextInt(25);
        }
        final AclTable table = AclTable.of(AclTable.Mode.ALLOW, networks, prefixes);
        for (int probe = 0; probe < 200_000; probe++) {
            final int address = probe % 2 == 0 ? random.nextInt() : networks[random.nextInt(n)] + random.nextInt(256);
            boolean expected = false;
            for (int i = 0; i < n && !expected; i++) {
                final int mask = -1 << (32 - prefixes[i]);
                expected = (address & mask) == (networks[i] & mask);
            }
            assertThat(table.admits(address)).as("address %08x", address).isEqualTo(expected);
        }
    }
}
