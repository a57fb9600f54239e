package io.fulcrum.forwarder.io.afpacket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fulcrum.forwarder.testing.PacketBuilder;

/**
 * The owner-steering fanout program run by {@link CbpfInterpreter} (kernel semantics) on crafted frames: every
 * case of L4Forwarder's owner rule, frames it cannot decide (agent 0), IP options in both the outer and the quoted
 * header, 1024 VIPs across chain links, and 30 000 random and truncated frames against an independent reference.
 */
class OwnerSteeringProgramTest {
    private static final long CLIENT_MAC = 0x02_00_00_00_00_02L;
    private static final long LB_MAC = 0x02_00_00_00_00_01L;
    private static final int CLIENT = ip(198, 18, 0, 2);
    private static final int VIP = ip(198, 18, 0, 100);
    private static final int OTHER_VIP = ip(198, 18, 0, 101);
    private static final int LOCAL = ip(198, 18, 1, 100);
    private static final int BACKEND = ip(198, 18, 1, 11);
    private static final int[] VIPS = {VIP, OTHER_VIP};

    private static int ip(final int a, final int b, final int c, final int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    private static PacketBuilder frame(final int source, final int destination) {
        return PacketBuilder.ethernet(CLIENT_MAC, LB_MAC).ipv4(source, destination);
    }

    private static int owner(final int agents, final byte[] frame) {
        return CbpfInterpreter.run(OwnerSteeringProgram.build(agents, VIPS), frame);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 7})
    void clientPacketsToAVipGoByClientPortRepliesByDestinationPort(final int agents) {
        for (int port = 1024; port < 1100; port++) {
            assertThat(owner(agents, frame(CLIENT, VIP).tcp(port, 80, 1, 0, 0x02, new byte[0]).build()))
                .as("client SYN from port %d", port).isEqualTo(ownerOf(port, agents));
            assertThat(owner(agents, frame(CLIENT, OTHER_VIP).udp(port, 53, new byte[4]).build()))
                .as("client UDP from port %d", port).isEqualTo(ownerOf(port, agents));
            assertThat(owner(agents, frame(BACKEND, LOCAL).tcp(80, port, 1, 2, 0x12, new byte[0]).build()))
                .as("FULLNAT reply to local port %d", port).isEqualTo(ownerOf(port, agents));
            assertThat(owner(agents, frame(BACKEND, CLIENT).udp(53, port, new byte[4]).build()))
                .as("DNAT reply to client port %d", port).isEqualTo(ownerOf(port, agents));
        }
    }

    @Test
    void ipOptionsMoveThePorts() {
        final byte[] options = {1, 1, 1, 1, 1, 1, 1, 0};
        assertThat(owner(2, frame(CLIENT, VIP).options(options).tcp(4003, 80, 1, 0, 0x02, new byte[0]).build())).isEqualTo(1);
        assertThat(owner(2, frame(BACKEND, LOCAL).options(options).tcp(80, 4003, 1, 0, 0x12, new byte[0]).build()))
            .isEqualTo(1);
        assertThat(owner(3, frame(BACKEND, LOCAL).options(options).tcp(4001, 80, 1, 0, 0x12, new byte[0]).build()))
            .isEqualTo(ownerOf(80, 3));
    }

    @Test
    void firstFragmentsGoByPortsLaterFragmentsToAgentZero() {
        assertThat(owner(2, frame(CLIENT, VIP).fragment(true, 0).udp(5003, 53, new byte[64]).build())).isEqualTo(1);
        assertThat(owner(2, frame(CLIENT, VIP).fragment(true, 8).payload(new byte[64]).protocol(17).build())).isZero();
        assertThat(owner(2, frame(CLIENT, VIP).fragment(false, 8).payload(new byte[64]).protocol(17).build())).isZero();
    }

    @Test
    void icmpErrorsGoByTheQuotedPacketsOwner() {
        // From a backend, about a packet we sent it (LIP:lport -> backend): the quoted source port, the local port.
        final byte[] toBackend = quoted(frame(LOCAL, BACKEND).tcp(40_007, 80, 1, 0, 0x02, new byte[0]).build(), 8);
        assertThat(owner(2, frame(BACKEND, LOCAL).icmp(3, 4, 0, 1400, toBackend).build())).isEqualTo(1);
        assertThat(owner(3, frame(BACKEND, LOCAL).icmp(11, 0, 0, 0, toBackend).build())).isEqualTo(ownerOf(40_007, 3));
        // From a router on the client side, about a packet we sent the client (VIP:80 -> client:cport).
        final byte[] toClient = quoted(frame(VIP, CLIENT).udp(53, 33_335, new byte[0]).build(), 8);
        assertThat(owner(2, frame(ip(198, 18, 0, 1), VIP).icmp(3, 3, 0, 0, toClient).build())).isEqualTo(1);
        assertThat(owner(5, frame(ip(198, 18, 0, 1), VIP).icmp(3, 3, 0, 0, toClient).build())).isEqualTo(ownerOf(33_335, 5));
        // The quoted header with options: the ports move.
        final byte[] withOptions = quoted(frame(LOCAL, BACKEND).options(new byte[] {1, 1, 1, 0}).udp(40_003, 7, new byte[0])
            .build(), 8);
        assertThat(owner(2, frame(BACKEND, LOCAL).icmp(3, 3, 0, 0, withOptions).build())).isEqualTo(1);
        // Not an error type the L4 path handles, or quoting something else: agent 0.
        assertThat(owner(2, frame(CLIENT, VIP).icmpEcho(7, 1, new byte[16]).build())).isZero();
        final byte[] quotedIcmp = quoted(frame(LOCAL, BACKEND).icmpEcho(7, 1, new byte[8]).build(), 8);
        assertThat(owner(2, frame(BACKEND, LOCAL).icmp(3, 3, 0, 0, quotedIcmp).build())).isZero();
    }

    @Test
    void framesTheProgramCannotDecideGoToAgentZero() {
        assertThat(owner(2, PacketBuilder.ethernet(CLIENT_MAC, -1L).arpRequest(CLIENT_MAC, CLIENT, VIP).build())).isZero();
        assertThat(owner(2, PacketBuilder.ethernet(CLIENT_MAC, LB_MAC).etherType(0x86dd).payload(new byte[60]).build()))
            .isZero();
        assertThat(owner(2, frame(CLIENT, VIP).protocol(47).payload(new byte[24]).build())).isZero();
        // TCP whose ports are cut off: the kernel aborts the load and returns 0.
        assertThat(owner(2, frame(CLIENT, VIP).tcp(4001, 80, 1, 0, 0x02, new byte[0]).truncateTo(14 + 20 + 1).build()))
            .isZero();
        assertThat(owner(2, new byte[10])).isZero();
    }

    @Test
    void noVipsMeansEveryPacketGoesByDestinationPort() {
        final CbpfProgram program = OwnerSteeringProgram.build(2, new int[0]);
        assertThat(CbpfInterpreter.run(program, frame(CLIENT, VIP).udp(4001, 52, new byte[0]).build())).isZero();
        assertThat(CbpfInterpreter.run(program, frame(CLIENT, VIP).udp(4000, 54, new byte[0]).build())).isEqualTo(1);
    }

    @Test
    void aThousandVipsSpanSeveralChainLinksAndStayUnderTheKernelLimit() {
        final int[] vips = IntStream.range(0, OwnerSteeringProgram.MAX_VIPS).map(i -> ip(198, 19, i >> 8, i & 0xff)).toArray();
        final CbpfProgram program = OwnerSteeringProgram.build(4, vips);
        assertThat(program.size()).isLessThan(CbpfProgram.MAX_INSTRUCTIONS);
        for (int i = 0; i < vips.length; i += 37) {
            assertThat(CbpfInterpreter.run(program, frame(CLIENT, vips[i]).udp(4003, 80, new byte[0]).build()))
                .as("VIP #%d", i).isEqualTo(1);
            final byte[] toClient = quoted(frame(vips[i], CLIENT).udp(80, 5004, new byte[0]).build(), 8);
            assertThat(CbpfInterpreter.run(program, frame(ip(198, 18, 0, 1), vips[i]).icmp(3, 3, 0, 0, toClient).build()))
                .as("ICMP about VIP #%d", i).isEqualTo(2);
        }
        assertThat(CbpfInterpreter.run(program, frame(CLIENT, ip(198, 20, 0, 1)).udp(4001, 87, new byte[0]).build()))
            .isEqualTo(3);
        final int[] tooMany = Arrays.copyOf(vips, vips.length + 1);
        tooMany[vips.length] = ip(198, 18, 9, 9);
        assertThatThrownBy(() -> OwnerSteeringProgram.build(4, tooMany)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("at most 1024 VIPs");
        assertThat(OwnerSteeringProgram.fits(1024)).isTrue();
        assertThat(OwnerSteeringProgram.fits(1025)).isFalse();
    }

    @Test
    void rejectsAgentCountsWithoutAChoice() {
        assertThatThrownBy(() -> OwnerSteeringProgram.build(1, VIPS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OwnerSteeringProgram.build(257, VIPS)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomAndTruncatedFramesMatchTheReferenceOwner() {
        final SplittableRandom random = new SplittableRandom(20_260_3L);
        final int[] addresses = {CLIENT, VIP, OTHER_VIP, LOCAL, BACKEND};
        for (int n = 0; n < 30_000; n++) {
            final int agents = 2 + random.nextInt(7);
            final int source = addresses[random.nextInt(addresses.length)];
            final int destination = addresses[random.nextInt(addresses.length)];
            PacketBuilder builder = frame(source, destination);
            if (random.nextInt(4) == 0) {
                builder = builder.options(new byte[4 * (1 + random.nextInt(10))]);
            }
            if (random.nextInt(8) == 0) {
                builder = builder.fragment(random.nextBoolean(), random.nextInt(3));
            }
            final int sourcePort = random.nextInt(65_536);
            final int destinationPort = random.nextInt(65_536);
            builder = switch (random.nextInt(4)) {
                case 0 -> builder.tcp(sourcePort, destinationPort, 1, 0, 0x02, new byte[random.nextInt(8)]);
                case 1 -> builder.udp(sourcePort, destinationPort, new byte[random.nextInt(8)]);
                case 2 -> {
                    final byte[] inner = frame(destination, addresses[random.nextInt(addresses.length)])
                        .options(new byte[4 * random.nextInt(3)]).udp(sourcePort, destinationPort, new byte[0]).build();
                    yield builder.icmp(random.nextBoolean() ? 3 : random.nextInt(20), 0, 0, 0, quoted(inner, 8));
                }
                default -> builder.protocol(random.nextInt(256)).payload(new byte[random.nextInt(40)]);
            };
            byte[] bytes = builder.build();
            if (random.nextInt(5) == 0) {
                bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            }
            final CbpfProgram program = OwnerSteeringProgram.build(agents, VIPS);
            assertThat(CbpfInterpreter.run(program, bytes)).as("frame %d: %s", n, hex(bytes))
                .isEqualTo(reference(bytes, agents));
        }
    }

    @Test
    void builderRejectsWhatTheKernelWouldAndEncodesSockFilters() {
        assertThatThrownBy(() -> CbpfProgram.builder().stmt(CbpfProgram.LD | CbpfProgram.W | CbpfProgram.IMM, 1).build())
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("return");
        assertThatThrownBy(() -> CbpfProgram.builder().label("back").stmt(CbpfProgram.LD | CbpfProgram.IMM, 0)
            .jump(CbpfProgram.JMP | CbpfProgram.JEQ, 0, "back", null).stmt(CbpfProgram.RET, 0).build())
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("backward");
        final CbpfProgram.Builder far = CbpfProgram.builder().jump(CbpfProgram.JMP | CbpfProgram.JEQ, 0, "end", null);
        for (int i = 0; i < 256; i++) {
            far.stmt(CbpfProgram.LD | CbpfProgram.IMM, i);
        }
        assertThatThrownBy(() -> far.label("end").stmt(CbpfProgram.RET, 0).build()).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("too far");
        assertThatThrownBy(() -> CbpfProgram.builder().jumpAlways("nowhere").stmt(CbpfProgram.RET, 0).build())
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("undefined label");

        final CbpfProgram program = CbpfProgram.builder().jump(CbpfProgram.JMP | CbpfProgram.JEQ, 0x0800, null, "no")
            .stmt(CbpfProgram.RET | CbpfProgram.K, 1).label("no").stmt(CbpfProgram.RET | CbpfProgram.K, 0).build();
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment encoded = program.encode(arena);
            assertThat(encoded.byteSize()).isEqualTo(24);
            assertThat(encoded.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)).isEqualTo((short) 0x15);
            assertThat(encoded.get(ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 0);
            assertThat(encoded.get(ValueLayout.JAVA_BYTE, 3)).isEqualTo((byte) 1);
            assertThat(encoded.get(ValueLayout.JAVA_INT_UNALIGNED, 4)).isEqualTo(0x0800);
            assertThat(encoded.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8)).isEqualTo((short) 0x06);
            assertThat(encoded.get(ValueLayout.JAVA_INT_UNALIGNED, 12)).isEqualTo(1);
        }
        assertThat(program.toString()).contains("0x15,   0,   1, 0x00000800");
    }

    /**
     * The owner rule on one port, restated: {@code (port >>> 1) % agents}, the lowest bit left out so Linux clients'
     * even {@code connect()} ports spread over all agents.
     */
    private static int ownerOf(final int port, final int agents) {
        return (port >>> 1) % agents;
    }

    /** The quoted part of an ICMP error: the IPv4 header of {@code frame} and {@code bytes} after it. */
    private static byte[] quoted(final byte[] frame, final int bytes) {
        final int headerLength = (frame[14] & 0xf) * 4;
        return Arrays.copyOfRange(frame, 14, Math.min(frame.length, 14 + headerLength + bytes));
    }

    /**
     * L4Forwarder's owner rule restated on raw bytes, independent of the program: 0 for what it cannot decide and
     * for any field it needs that lies past the end of the frame.
     */
    private static int reference(final byte[] f, final int agents) {
        if (f.length < 14 || u16(f, 12) != 0x0800 || f.length < 14 + 10) {
            return 0;
        }
        final int net = 14;
        if ((u16(f, net + 6) & 0x1fff) != 0) {
            return 0;
        }
        final int l4 = net + (f[net] & 0xf) * 4;
        final int protocol = f[net + 9] & 0xff;
        if (protocol == 6 || protocol == 17) {
            if (f.length < net + 20) {
                return 0;
            }
            final int portOffset = isVip(i32(f, net + 16)) ? l4 : l4 + 2;
            return f.length < portOffset + 2 ? 0 : ownerOf(u16(f, portOffset), agents);
        }
        if (protocol != 1 || f.length < l4 + 1) {
            return 0;
        }
        final int type = f[l4] & 0xff;
        if (type != 3 && type != 11) {
            return 0;
        }
        final int inner = l4 + 8;
        if (f.length < inner + 10) {
            return 0;
        }
        final int innerProtocol = f[inner + 9] & 0xff;
        if (innerProtocol != 6 && innerProtocol != 17) {
            return 0;
        }
        if (f.length < inner + 16) {
            return 0;
        }
        final int innerL4 = inner + (f[inner] & 0xf) * 4;
        final int portOffset = isVip(i32(f, inner + 12)) ? innerL4 + 2 : innerL4;
        return f.length < portOffset + 2 ? 0 : ownerOf(u16(f, portOffset), agents);
    }

    private static boolean isVip(final int address) {
        return address == VIP || address == OTHER_VIP;
    }

    private static int u16(final byte[] f, final int offset) {
        return (f[offset] & 0xff) << 8 | f[offset + 1] & 0xff;
    }

    private static int i32(final byte[] f, final int offset) {
        return u16(f, offset) << 16 | u16(f, offset + 2);
    }

    private static String hex(final byte[] bytes) {
        final StringBuilder text = new StringBuilder();
        for (final byte b : bytes) {
            text.append(String.format("%02x", b));
        }
        return text.toString();
    }
}
