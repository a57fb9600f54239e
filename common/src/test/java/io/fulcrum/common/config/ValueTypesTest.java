package io.fulcrum.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValueTypesTest {
    @Test
    void ipv4IsANetworkOrderInt() {
        assertThat(Ipv4Address.parse("198.18.0.1")).isEqualTo(0xC6120001);
        assertThat(Ipv4Address.parse("255.255.255.255")).isEqualTo(-1);
        assertThat(Ipv4Address.parse("0.0.0.0")).isZero();
        assertThat(Ipv4Address.format(0xC6120164)).isEqualTo("198.18.1.100");
    }

    @Test
    void ipv4RoundTripsForRandomAddresses() {
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++) {
            final int address = random.nextInt();
            assertThat(Ipv4Address.parse(Ipv4Address.format(address))).isEqualTo(address);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "1..2.3", "localhost"})
    void ipv4RefusesEverythingElse(final String text) {
        assertThatThrownBy(() -> Ipv4Address.parse(text)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("must be an IPv4 address");
    }

    @Test
    void ipv4CidrKeepsHostBitsAndKnowsItsNetwork() {
        final Ipv4Cidr cidr = Ipv4Cidr.parse("198.18.0.100/24");
        assertThat(cidr.address()).isEqualTo(0xC6120064);
        assertThat(cidr.prefixLength()).isEqualTo(24);
        assertThat(cidr.netmask()).isEqualTo(0xFFFFFF00);
        assertThat(cidr.network()).isEqualTo(0xC6120000);
        assertThat(cidr.isNetwork()).isFalse();
        assertThat(cidr.contains(Ipv4Address.parse("198.18.0.7"))).isTrue();
        assertThat(cidr.contains(Ipv4Address.parse("198.18.1.7"))).isFalse();
        assertThat(Ipv4Cidr.parse("0.0.0.0/0").contains(-1)).isTrue();
        assertThat(Ipv4Cidr.parse("10.0.0.1").prefixLength()).isEqualTo(32);
        assertThat(cidr).hasToString("198.18.0.100/24");
        assertThatThrownBy(() -> Ipv4Cidr.parse("10.0.0.0/33")).hasMessageContaining("prefix length");
        assertThatThrownBy(() -> Ipv4Cidr.parse("10.0.0.0/")).hasMessageContaining("prefix length");
    }

    @Test
    void macIsA48BitLong() {
        assertThat(MacAddress.parse("02:00:00:00:01:0b")).isEqualTo(0x02000000010BL);
        assertThat(MacAddress.parse("FF-FF-FF-FF-FF-FF")).isEqualTo(0xFFFFFFFFFFFFL);
        assertThat(MacAddress.format(0x02000000010BL)).isEqualTo("02:00:00:00:01:0b");
        assertThat(MacAddress.isUnicast(0x02000000010BL)).isTrue();
        assertThat(MacAddress.isUnicast(0x01005E000001L)).isFalse();
        assertThat(MacAddress.isUnicast(0)).isFalse();
        for (final String bad : new String[] {"02:00:00:00:01", "02:00:00:00:01:0g", "02:00-00:00:01:0b", "0200.0000.010b"}) {
            assertThatThrownBy(() -> MacAddress.parse(bad)).hasMessageContaining("must be a MAC address");
        }
    }

    @Test
    void portRanges() {
        assertThat(PortRange.parse("1024-65535")).isEqualTo(new PortRange(1024, 65535));
        assertThat(PortRange.parse("1024-65535").size()).isEqualTo(64512);
        assertThat(PortRange.parse("80")).isEqualTo(new PortRange(80, 80));
        assertThat(PortRange.parse("80").contains(80)).isTrue();
        assertThat(new PortRange(1024, 2047)).hasToString("1024-2047");
        for (final String bad : new String[] {"0-10", "10-5", "1-65536", "a-b", "-5", ""}) {
            assertThatThrownBy(() -> PortRange.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void ipv6IsParsedAndPrintedCanonically() {
        assertThat(IpAddress.parse("2001:DB8:0:0:0:0:0:1")).hasToString("2001:db8::1");
        assertThat(IpAddress.parse("::")).hasToString("::");
        assertThat(IpAddress.parse("::1")).isEqualTo(new IpAddress(6, 0, 1));
        assertThat(IpAddress.parse("::ffff:198.18.0.1")).hasToString("::ffff:c612:1");
        assertThat(IpAddress.parse("2001:db8:0:1:0:0:1:0")).hasToString("2001:db8:0:1::1:0");
        assertThat(IpAddress.parse("198.18.0.1").ipv4()).isEqualTo(0xC6120001);
        for (final String bad : new String[] {"1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "::g"}) {
            assertThatThrownBy(() -> IpAddress.parse(bad)).hasMessageContaining("must be an IPv4 or IPv6 address");
        }
    }

    @Test
    void ipv6RoundTripsForRandomAddresses() {
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            final long high = random.nextInt(4) == 0 ? 0 : random.nextLong();
            final long low = random.nextInt(4) == 0 ? 0 : random.nextLong() & (random.nextBoolean() ? -1L : 0xFFFF0000FFFFL);
            final IpAddress address = new IpAddress(6, high, low);
            assertThat(IpAddress.parse(address.toString())).isEqualTo(address);
        }
    }

    @Test
    void cidrsOfBothFamilies() {
        assertThat(IpCidr.parse("2001:db8::/32").isNetwork()).isTrue();
        assertThat(IpCidr.parse("2001:db8::1/32").network()).isEqualTo(IpCidr.parse("2001:db8::/32"));
        assertThat(IpCidr.parse("10.1.2.3/8").network()).hasToString("10.0.0.0/8");
        assertThat(IpCidr.parse("::/0").isNetwork()).isTrue();
        assertThat(IpCidr.parse("10.0.0.1").prefixLength()).isEqualTo(32);
        assertThatThrownBy(() -> IpCidr.parse("10.0.0.0/64")).hasMessageContaining("between 0 and 32");
    }

    @Test
    void endpoints() {
        assertThat(Endpoint.parse("127.0.0.1:9100")).isEqualTo(new Endpoint(IpAddress.parse("127.0.0.1"), 9100));
        assertThat(Endpoint.parse("[::1]:9100")).hasToString("[::1]:9100");
        for (final String bad : new String[] {"127.0.0.1", "::1:9100", "127.0.0.1:0", "host:80", "[::1]"}) {
            assertThatThrownBy(() -> Endpoint.parse(bad)).hasMessageContaining("must be address:port");
        }
    }
}
