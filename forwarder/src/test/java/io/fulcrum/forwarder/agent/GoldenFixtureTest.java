package io.fulcrum.forwarder.agent;

import static io.fulcrum.forwarder.testing.TestNet.BROADCAST_MAC;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_IP;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_MAC;
import static io.fulcrum.forwarder.testing.TestNet.HOST2_IP;
import static io.fulcrum.forwarder.testing.TestNet.HOST2_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB0_IP;
import static io.fulcrum.forwarder.testing.TestNet.LB0_IP2;
import static io.fulcrum.forwarder.testing.TestNet.LB0_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB1_IP;
import static io.fulcrum.forwarder.testing.TestNet.REMOTE_IP;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.stage.DropReason;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.PacketBuilder;

/**
 * Golden fixtures: an input frame, the byte-exact expected output (or none), and the expected fate, run
 * through an {@link io.fulcrum.forwarder.io.mem.InMemoryPacketIo} port and {@link ForwarderAgent#doWork()}.
 */
class GoldenFixtureTest {
    private static final byte[] PAYLOAD = "fulcrum-ping-0123456789abcdefghijklmnopqrstuvwxyz".getBytes();
    private static final int ID = 0x4d2;
    private static final int SEQ = 7;

    /** What should happen to the frame. */
    record Fixture(byte[] input, int flags, byte[] expected, DropReason drop, boolean consumed, ForwarderEvent event) {
        Arguments named(final String name) {
            return Arguments.of(Named.of(name, this));
        }
    }

    static Stream<Arguments> fixtures() {
        return Stream.of(
            // ---- ARP ----
            fixture("ARP request for our address -> reply",
                fromClient(BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, LB0_IP).padTo(60).build(),
                PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).arpReply(LB0_MAC, LB0_IP, CLIENT_MAC, CLIENT_IP).build(),
                ForwarderEvent.ARP_REPLIED),
            fixture("ARP request for our second address -> reply",
                fromClient(BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, LB0_IP2).build(),
                PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).arpReply(LB0_MAC, LB0_IP2, CLIENT_MAC, CLIENT_IP).build(),
                ForwarderEvent.ARP_REPLIED),
            fixture("ARP unicast refresh request -> reply",
                fromClient(LB0_MAC).arp(1, CLIENT_MAC, CLIENT_IP, LB0_MAC, LB0_IP).build(),
                PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).arpReply(LB0_MAC, LB0_IP, CLIENT_MAC, CLIENT_IP).build(),
                ForwarderEvent.ARP_REPLIED),
            fixture("ARP probe (RFC 5227, sender 0.0.0.0) for our address -> defended",
                fromClient(BROADCAST_MAC).arpRequest(CLIENT_MAC, 0, LB0_IP).build(),
                PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).arpReply(LB0_MAC, LB0_IP, CLIENT_MAC, 0).build(),
                ForwarderEvent.ARP_REPLIED),
            drop("ARP request for a foreign IP is ignored",
                fromClient(BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, HOST2_IP).build(), DropReason.ARP_NOT_FOR_US),
            drop("ARP request for another port's address is not answered here",
                fromClient(BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, LB1_IP).build(), DropReason.ARP_NOT_FOR_US),
            consumed("gratuitous ARP is learned, not answered",
                PacketBuilder.ethernet(HOST2_MAC, BROADCAST_MAC).gratuitousArp(HOST2_MAC, HOST2_IP).build(),
                ForwarderEvent.ARP_GRATUITOUS),
            consumed("ARP reply to us is consumed",
                PacketBuilder.ethernet(HOST2_MAC, LB0_MAC).arpReply(HOST2_MAC, HOST2_IP, LB0_MAC, LB0_IP).build(),
                ForwarderEvent.ARP_LEARNED),
            drop("ARP from an off-link sender",
                fromClient(BROADCAST_MAC).arpRequest(CLIENT_MAC, REMOTE_IP, LB0_IP).build(), DropReason.ARP_SENDER_OFF_LINK),
            drop("ARP claiming our address is a conflict",
                fromClient(BROADCAST_MAC).gratuitousArp(CLIENT_MAC, LB0_IP).build(), DropReason.ARP_ADDRESS_CONFLICT),
            drop("ARP with a broadcast sender MAC",
                fromClient(BROADCAST_MAC).arpRequest(BROADCAST_MAC, CLIENT_IP, LB0_IP).build(), DropReason.ARP_BAD_SENDER),
            drop("ARP opcode 3",
                fromClient(BROADCAST_MAC).arp(3, CLIENT_MAC, CLIENT_IP, 0, LB0_IP).build(), DropReason.ARP_BAD_OPCODE),
            drop("ARP for another protocol type",
                fromClient(BROADCAST_MAC).etherType(0x0806).payload(HexFormat.of().parseHex(
                    "000186dd06040001020000000a01c6120101000000000000c61201fe")).build(), DropReason.ARP_UNSUPPORTED),
            drop("ARP truncated to 41 bytes",
                fromClient(BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, LB0_IP).truncateTo(41).build(),
                DropReason.ARP_TRUNCATED),
            // ---- Ethernet ----
            drop("empty frame", new byte[0], DropReason.ETH_TRUNCATED),
            drop("13-byte frame", new byte[13], DropReason.ETH_TRUNCATED),
            drop("unicast to another MAC", fromClient(HOST2_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(ID, SEQ, PAYLOAD).build(),
                DropReason.ETH_FOREIGN_DESTINATION),
            drop("multicast source MAC",
                PacketBuilder.ethernet(0x0100_5e00_0001L, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(ID, SEQ, PAYLOAD).build(),
                DropReason.ETH_BAD_SOURCE),
            drop("LLDP (unknown EtherType)",
                PacketBuilder.ethernet(CLIENT_MAC, 0x0180_c200_000eL).etherType(0x88cc).payload(new byte[46]).build(),
                DropReason.ETHER_TYPE_UNKNOWN),
            drop("IPv6", fromClient(LB0_MAC).etherType(0x86dd).payload(new byte[60]).build(), DropReason.IPV6_UNSUPPORTED),
            drop("802.1Q tagged", fromClient(LB0_MAC).etherType(0x8100).payload(new byte[60]).build(),
                DropReason.VLAN_UNSUPPORTED),
            new Fixture(echo().build(), FrameBatch.FLAG_TRUNCATED, null, DropReason.CAPTURE_TRUNCATED, false, null)
                .named("capture truncated flag"),
            // ---- ICMP ----
            fixture("ICMP echo -> reply", echo().ttl(57).build(), echoReply(LB0_IP).build(), ForwarderEvent.ICMP_ECHO_REPLIED),
            fixture("ICMP echo with odd payload length -> reply",
                fromClient(LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(ID, SEQ, new byte[] {1, 2, 3}).build(),
                PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).ipv4(LB0_IP, CLIENT_IP).icmpEchoReply(ID, SEQ, new byte[] {1, 2, 3})
                    .build(), ForwarderEvent.ICMP_ECHO_REPLIED),
            fixture("ICMP echo padded to 60 bytes -> reply without the padding",
                fromClient(LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(ID, SEQ, new byte[4]).padTo(60).build(),
                PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).ipv4(LB0_IP, CLIENT_IP).icmpEchoReply(ID, SEQ, new byte[4]).build(),
                ForwarderEvent.ICMP_ECHO_REPLIED),
            fixture("ICMP echo to another port's address -> reply (weak host)",
                fromClient(LB0_MAC).ipv4(CLIENT_IP, LB1_IP).icmpEcho(ID, SEQ, PAYLOAD).build(), echoReply(LB1_IP).build(),
                ForwarderEvent.ICMP_ECHO_REPLIED),
            fixture("ICMP echo with TTL 0 -> reply (RFC 1812 5.3.1)", echo().ttl(0).build(), echoReply(LB0_IP).build(),
                ForwarderEvent.IPV4_LOW_TTL_LOCAL),
            fixture("ICMP echo with TTL 1 -> reply", echo().ttl(1).build(), echoReply(LB0_IP).build(),
                ForwarderEvent.IPV4_LOW_TTL_LOCAL),
            fixture("ICMP echo with IP options -> reply without options",
                echo().options(new byte[] {1, 1, 1, 1, 7, 7, 4, 0, 0, 0, 0, 0}).build(), echoReply(LB0_IP).build(),
                ForwarderEvent.IPV4_OPTIONS),
            new Fixture(echo().partialChecksum().build(), FrameBatch.FLAG_CSUM_NOT_READY, echoReply(LB0_IP).build(), null,
                false, ForwarderEvent.CHECKSUM_COMPLETED).named("ICMP echo with CSUM_NOT_READY -> completed, reply"),
            drop("ICMP echo with bad checksum", echo().badL4Checksum().build(), DropReason.ICMP_BAD_CHECKSUM),
            drop("ICMP message of 4 bytes",
                fromClient(LB0_MAC).ipv4(CLIENT_IP, LB0_IP).protocol(1).payload(new byte[] {8, 0, (byte) 0xf7, (byte) 0xff})
                    .build(), DropReason.ICMP_TRUNCATED),
            drop("ICMP truncated by total length", echo().totalLength(20 + 6).build(), DropReason.ICMP_TRUNCATED),
            drop("ICMP timestamp request", fromClient(LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmp(13, 0, 1, 1, new byte[12]).build(),
                DropReason.ICMP_TYPE_UNSUPPORTED),
            drop("ICMP echo reply to us", fromClient(LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEchoReply(ID, SEQ, PAYLOAD).build(),
                DropReason.ICMP_TYPE_UNSUPPORTED),
            // ---- IPv4 ----
            drop("IPv4 bad header checksum", echo().badIpChecksum().build(), DropReason.IPV4_BAD_CHECKSUM),
            drop("IPv4 header truncated (33 bytes)", echo().truncateTo(33).build(), DropReason.IPV4_TRUNCATED),
            drop("IPv4 options beyond the frame", echo().options(new byte[8]).truncateTo(14 + 24).build(),
                DropReason.IPV4_TRUNCATED),
            drop("IPv4 IHL 4", echo().ihl(4).build(), DropReason.IPV4_BAD_HEADER_LENGTH),
            drop("IPv4 version 6 in an IPv4 frame", echo().version(6).build(), DropReason.IPV4_BAD_VERSION),
            drop("IPv4 total length beyond the frame", echo().totalLength(200).build(), DropReason.IPV4_BAD_TOTAL_LENGTH),
            drop("IPv4 total length below the header", echo().totalLength(19).build(), DropReason.IPV4_BAD_TOTAL_LENGTH),
            drop("IPv4 first fragment (MF)", echo().fragment(true, 0).build(), DropReason.IPV4_FRAGMENT),
            drop("IPv4 last fragment (offset)", echo().fragment(false, 185).build(), DropReason.IPV4_FRAGMENT),
            drop("IPv4 not for us", fromClient(LB0_MAC).ipv4(CLIENT_IP, REMOTE_IP).icmpEcho(ID, SEQ, PAYLOAD).build(),
                DropReason.IPV4_NOT_LOCAL),
            drop("IPv4 limited broadcast",
                fromClient(BROADCAST_MAC).ipv4(CLIENT_IP, -1).icmpEcho(ID, SEQ, PAYLOAD).build(), DropReason.IPV4_BROADCAST),
            drop("IPv4 directed broadcast",
                fromClient(LB0_MAC).ipv4(CLIENT_IP, Bytes.parseIpv4("198.18.1.255")).icmpEcho(ID, SEQ, PAYLOAD).build(),
                DropReason.IPV4_BROADCAST),
            drop("IPv4 multicast",
                PacketBuilder.ethernet(CLIENT_MAC, 0x0100_5e00_0001L).ipv4(CLIENT_IP, Bytes.parseIpv4("224.0.0.1"))
                    .icmpEcho(ID, SEQ, PAYLOAD).build(), DropReason.IPV4_MULTICAST),
            drop("IPv4 unicast in a link broadcast",
                fromClient(BROADCAST_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(ID, SEQ, PAYLOAD).build(),
                DropReason.IPV4_LINK_BROADCAST),
            drop("IPv4 loopback source", fromClient(LB0_MAC).ipv4(Bytes.parseIpv4("127.0.0.1"), LB0_IP)
                .icmpEcho(ID, SEQ, PAYLOAD).build(), DropReason.IPV4_MARTIAN_SOURCE),
            drop("IPv4 our own address as source", fromClient(LB0_MAC).ipv4(LB0_IP2, LB0_IP).icmpEcho(ID, SEQ, PAYLOAD).build(),
                DropReason.IPV4_MARTIAN_SOURCE),
            drop("IPv4 GRE", fromClient(LB0_MAC).ipv4(CLIENT_IP, LB0_IP).protocol(47).payload(new byte[24]).build(),
                DropReason.IPV4_PROTOCOL_UNSUPPORTED),
            // ---- L4 hook (nothing listens yet) ----
            drop("TCP SYN to us", fromClient(LB0_MAC).ipv4(CLIENT_IP, LB0_IP).tcp(40000, 80, 1, 0, 0x02, new byte[0]).build(),
                DropReason.NO_LISTENER),
            drop("UDP to us", fromClient(LB0_MAC).ipv4(CLIENT_IP, LB0_IP).udp(40000, 53, new byte[12]).build(),
                DropReason.NO_LISTENER),
            drop("UDP of 4 bytes", fromClient(LB0_MAC).ipv4(CLIENT_IP, LB0_IP).protocol(17).payload(new byte[4]).build(),
                DropReason.L4_TRUNCATED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void frameMeetsItsFate(final Fixture fixture) {
        try (AgentHarness harness = new AgentHarness()) {
            harness.process(0, fixture.input(), fixture.flags());

            final var counters = harness.counters();
            assertThat(counters.rxFrames()).isEqualTo(1);
            assertThat(counters.rxBytes()).isEqualTo(fixture.input().length);
            assertThat(harness.unaccounted()).isZero();
            assertThat(harness.errors()).isEmpty();
            assertThat(counters.events(ForwarderEvent.EXCEPTION)).isZero();
            final List<byte[]> sent = harness.tx(0);
            assertThat(harness.tx(1)).isEmpty();
            if (fixture.expected() != null) {
                assertThat(sent).hasSize(1);
                assertThat(HexFormat.of().formatHex(sent.get(0))).isEqualTo(HexFormat.of().formatHex(fixture.expected()));
                assertThat(counters.transmittedCount()).isEqualTo(1);
                assertThat(counters.txFrames()).isEqualTo(1);
                assertThat(counters.txBytes()).isEqualTo(fixture.expected().length);
                assertThat(counters.dropTotal()).isZero();
            } else {
                assertThat(sent).isEmpty();
                assertThat(counters.transmittedCount()).isZero();
                if (fixture.consumed()) {
                    assertThat(counters.consumedCount()).isEqualTo(1);
                    assertThat(counters.dropTotal()).isZero();
                } else {
                    assertThat(counters.drops(fixture.drop())).as(fixture.drop().label()).isEqualTo(1);
                    assertThat(counters.dropTotal()).isEqualTo(1);
                }
            }
            if (fixture.event() != null) {
                assertThat(counters.events(fixture.event())).as(fixture.event().label()).isEqualTo(1);
            }
        }
    }

    private static PacketBuilder fromClient(final long destinationMac) {
        return PacketBuilder.ethernet(CLIENT_MAC, destinationMac);
    }

    private static PacketBuilder echo() {
        return fromClient(LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(ID, SEQ, PAYLOAD);
    }

    /** The reply we expect: from {@code address}, TTL 64, same IP id and DF, same identifier/sequence/data. */
    private static PacketBuilder echoReply(final int address) {
        return PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).ipv4(address, CLIENT_IP).ttl(64).icmpEchoReply(ID, SEQ, PAYLOAD);
    }

    private static Arguments fixture(final String name, final byte[] input, final byte[] expected, final ForwarderEvent event) {
        return new Fixture(input, 0, expected, null, false, event).named(name);
    }

    private static Arguments drop(final String name, final byte[] input, final DropReason reason) {
        return new Fixture(input, 0, null, reason, false, null).named(name);
    }

    private static Arguments consumed(final String name, final byte[] input, final ForwarderEvent event) {
        return new Fixture(input, 0, null, null, true, event).named(name);
    }

}
