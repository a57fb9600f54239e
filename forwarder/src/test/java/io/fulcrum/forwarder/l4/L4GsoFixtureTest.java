package io.fulcrum.forwarder.l4;

import static io.fulcrum.forwarder.testing.L4Frames.fromBackendDnat;
import static io.fulcrum.forwarder.testing.L4Frames.fromBackendFullNat;
import static io.fulcrum.forwarder.testing.L4Frames.fromClient;
import static io.fulcrum.forwarder.testing.L4Frames.toBackendDnat;
import static io.fulcrum.forwarder.testing.L4Frames.toBackendFullNat;
import static io.fulcrum.forwarder.testing.L4Frames.toClient;
import static io.fulcrum.forwarder.testing.L4Harness.FIRST_LOCAL_PORT;
import static io.fulcrum.forwarder.testing.L4Harness.BACKEND_PORT;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_IP;
import static io.fulcrum.forwarder.testing.TestNet.LB1_MAC;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.fulcrum.forwarder.io.Offload;
import io.fulcrum.forwarder.io.mem.InMemoryPacketIo;
import io.fulcrum.forwarder.stage.DropReason;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.L4Harness;
import io.fulcrum.forwarder.testing.PacketBuilder;

/**
 * Golden fixtures for frames that come with a virtio header (AF_PACKET {@code PACKET_VNET_HDR}): input frame and
 * offload word in, byte-exact output frame and offload word out, for GSO super-frames (up to 64 KiB, one IP packet
 * larger than the MTU) through FULLNAT and DNAT in both directions, TCP and UDP. The expected partial checksums come
 * from {@link PacketBuilder}'s independent oracle (the folded pseudo-header sum of the rewritten packet), and every
 * output is cut into segments by {@link #segment} the way the kernel's {@code tcp_gso_segment}/{@code
 * __udp_gso_segment} and {@code skb_checksum_help} do, each segment's IPv4 and L4 checksum verified from scratch: so
 * the partial-sum arithmetic is proven on what a receiver would check, not assumed.
 */
class L4GsoFixtureTest {
    private static final int FRAME_SIZE = 1 << 17;
    private static final int CLIENT_PORT = 33000;
    private static final int CLIENT_ISN = 1_000_000;
    private static final int BACKEND_ISN = 7_000_000;
    private static final byte[] MSS_1460 = {2, 4, 0x05, (byte) 0xb4};
    private static final byte[] MSS_1452 = {2, 4, 0x05, (byte) 0xac};
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH_ACK = 0x18;
    private static final int L4_START = 14 + 20;
    private static final long PARTIAL_TCP = Offload.partial(L4_START, 16);

    private L4Harness l4;
    private AgentHarness harness;

    @BeforeEach
    void setUp() {
        l4 = new L4Harness(FRAME_SIZE);
        harness = l4.agent();
    }

    @AfterEach
    void tearDown() {
        assertThat(harness.unaccounted()).isZero();
        assertThat(harness.errors()).isEmpty();
        l4.close();
    }

    private static long tcpGso(final int gsoSize) {
        return Offload.of(Offload.F_NEEDS_CSUM, Offload.GSO_TCPV4, gsoSize, L4_START, 16);
    }

    private static long udpGso(final int gsoSize) {
        return Offload.of(Offload.F_NEEDS_CSUM, Offload.GSO_UDP_L4, gsoSize, L4_START, 6);
    }

    private static byte[] payload(final int length, final long seed) {
        final byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }







    /**
     * Processes {@code input} with {@code offload} and checks that exactly {@code expected} left on {@code port} with
     * {@code expectedOffload}; returns the frame sent.
     */
    private byte[] expect(final byte[] input, final long offload, final int port, final byte[] expected,
                          final long expectedOffload) {
        harness.clearTx();
        harness.inject(input[5] == (byte) LB1_MAC ? 1 : 0, input, offload == Offload.NONE ? 0 : 1, offload);
        harness.cycle();
        final InMemoryPacketIo out = harness.port(port);
        final List<Integer> ip = new ArrayList<>();
        for (int i = 0; i < out.txCount(); i++) {
            final byte[] frame = out.txFrame(i);
            if (frame[12] == 8 && frame[13] == 0) {
                ip.add(i);
            }
        }
        assertThat(ip).as("IPv4 frames sent on port %d", port).hasSize(1);
        final byte[] frame = out.txFrame(ip.get(0));
        assertThat(HexFormat.of().formatHex(frame)).isEqualTo(HexFormat.of().formatHex(expected));
        assertThat(Offload.describe(out.txOffload(ip.get(0)))).isEqualTo(Offload.describe(expectedOffload));
        return frame;
    }

    private long event(final ForwarderEvent event) {
        return harness.counters().events(event);
    }

    private void fullNatHandshake() {
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).partialChecksum().build(),
            PARTIAL_TCP, 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN, 0, SYN, MSS_1452, new byte[0]).partialChecksum()
                .build(), PARTIAL_TCP);
        expect(fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1460,
                new byte[0]).partialChecksum().build(), PARTIAL_TCP, 0,
            toClient().tcp(80, CLIENT_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1452, new byte[0]).partialChecksum()
                .build(), PARTIAL_TCP);
        // The handshake ACK is not GSO: it gets the TOA, and its partial seed grows by the option's 8 bytes.
        final long toaBefore = event(ForwarderEvent.TOA_ADDED);
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK, new byte[0]).partialChecksum().build(),
            PARTIAL_TCP, 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK,
                toa(CLIENT_PORT, CLIENT_IP), new byte[0]).partialChecksum().build(), PARTIAL_TCP);
        assertThat(event(ForwarderEvent.TOA_ADDED)).isEqualTo(toaBefore + 1);
    }

    private static byte[] toa(final int port, final int ip) {
        return ByteBuffer.allocate(8).put((byte) 254).put((byte) 8).putShort((short) port).putInt(ip).array();
    }

    @Test
    void fullNatGsoBothDirectionsKeepsThePartialChecksumAndSkipsToa() {
        fullNatHandshake();
        final byte[] request = payload(4 * 1448 + 301, 1);
        final long skippedBefore = event(ForwarderEvent.TOA_GSO_SKIPPED);
        final long toaBefore = event(ForwarderEvent.TOA_ADDED);
        final byte[] toBackend = expect(
            fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK, request).partialChecksum().build(),
            tcpGso(1448), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK, request)
                .partialChecksum().build(), tcpGso(1448));
        assertThat(event(ForwarderEvent.TOA_GSO_SKIPPED)).isEqualTo(skippedBefore + 1);
        assertThat(event(ForwarderEvent.TOA_ADDED)).isEqualTo(toaBefore);
        checkSegments(toBackend, tcpGso(1448), request);

        final byte[] response = payload(44 * 1448 + 17, 2);
        final byte[] toClient = expect(
            fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, BACKEND_ISN + 1, CLIENT_ISN + 1 + request.length, ACK,
                response).partialChecksum().build(), tcpGso(1448), 0,
            toClient().tcp(80, CLIENT_PORT, BACKEND_ISN + 1, CLIENT_ISN + 1 + request.length, ACK, response)
                .partialChecksum().build(), tcpGso(1448));
        checkSegments(toClient, tcpGso(1448), response);
    }

    @ParameterizedTest(name = "payload {0}, gso_size {1}")
    @CsvSource({"1449, 1448", "6093, 1448", "65495, 1448", "9001, 536", "20001, 1447", "64001, 8000"})
    void dnatGsoBothDirectionsSegmentsIntoValidPackets(final int length, final int gsoSize) {
        expect(fromClient().tcp(CLIENT_PORT, 81, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build(), Offload.NONE, 1,
            toBackendDnat().tcp(CLIENT_PORT, BACKEND_PORT, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build(), Offload.NONE);
        expect(fromBackendDnat().tcp(BACKEND_PORT, CLIENT_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1460,
                new byte[0]).build(), Offload.NONE, 0,
            toClient().tcp(81, CLIENT_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1460, new byte[0]).build(),
            Offload.NONE);
        final byte[] request = payload(length, length);
        final byte[] toBackend = expect(
            fromClient().tcp(CLIENT_PORT, 81, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK, request).partialChecksum().build(),
            tcpGso(gsoSize), 1,
            toBackendDnat().tcp(CLIENT_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK, request)
                .partialChecksum().build(), tcpGso(gsoSize));
        checkSegments(toBackend, tcpGso(gsoSize), request);
        final byte[] response = payload(length, -length);
        final byte[] toClient = expect(
            fromBackendDnat().tcp(BACKEND_PORT, CLIENT_PORT, BACKEND_ISN + 1, CLIENT_ISN + 1 + length, ACK, response)
                .partialChecksum().build(), tcpGso(gsoSize), 0,
            toClient().tcp(81, CLIENT_PORT, BACKEND_ISN + 1, CLIENT_ISN + 1 + length, ACK, response).partialChecksum().build(),
            tcpGso(gsoSize));
        checkSegments(toClient, tcpGso(gsoSize), response);
    }

    @Test
    void udpGsoThroughFullNatAndDnat() {
        final byte[] query = payload(3 * 1200 + 7, 3);
        final byte[] fullNat = expect(fromClient().udp(5353, 53, query).partialChecksum().build(), udpGso(1200), 1,
            toBackendFullNat().udp(FIRST_LOCAL_PORT, BACKEND_PORT, query).partialChecksum().build(), udpGso(1200));
        checkSegments(fullNat, udpGso(1200), query);
        final byte[] answer = payload(5 * 1000 + 1, 4);
        final byte[] back = expect(fromBackendFullNat().udp(BACKEND_PORT, FIRST_LOCAL_PORT, answer).partialChecksum().build(),
            udpGso(1000), 0, toClient().udp(53, 5353, answer).partialChecksum().build(), udpGso(1000));
        checkSegments(back, udpGso(1000), answer);
        final byte[] dnat = expect(fromClient().udp(5354, 54, query).partialChecksum().build(), udpGso(1200), 1,
            toBackendDnat().udp(5354, BACKEND_PORT, query).partialChecksum().build(), udpGso(1200));
        checkSegments(dnat, udpGso(1200), query);
    }

    @Test
    void gsoOfAnotherKindIsDroppedAndCounted() {
        final byte[] frame = fromClient().tcp(CLIENT_PORT, 81, CLIENT_ISN, 0, PSH_ACK, payload(3000, 5)).partialChecksum()
            .build();
        final long before = harness.counters().drops(DropReason.GSO_UNSUPPORTED);
        harness.clearTx();
        harness.inject(0, frame, 1, Offload.of(Offload.F_NEEDS_CSUM, Offload.GSO_TCPV6, 1448, L4_START, 16));
        harness.inject(0, frame, 1, Offload.of(Offload.F_NEEDS_CSUM, Offload.GSO_UDP_L4, 1448, L4_START, 6));
        harness.inject(0, frame, 0, Offload.of(0, Offload.GSO_TCPV4, 1448, 0, 0));
        harness.cycle();
        assertThat(harness.counters().drops(DropReason.GSO_UNSUPPORTED)).isEqualTo(before + 3);
        assertThat(harness.tx(1).stream().filter(f -> f[12] == 8 && f[13] == 0)).as("IPv4 frames sent").isEmpty();
    }

    /**
     * The virtio path allocates nothing per packet: 200 000 duty cycles after a warm-up, each with a 16 KiB TCP GSO
     * frame from the client (header view, TOA skipped) and a partial ACK from the backend through FULLNAT.
     */
    @Test
    void gsoAndPartialFramesAllocateNothing() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        fullNatHandshake();
        final byte[] data = fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK, payload(16_000, 9))
            .partialChecksum().build();
        final byte[] ack = fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, BACKEND_ISN + 1, CLIENT_ISN + 1, ACK,
            new byte[0]).partialChecksum().build();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            final java.lang.foreign.MemorySegment dataFrame = arena.allocate(data.length);
            final java.lang.foreign.MemorySegment ackFrame = arena.allocate(ack.length);
            java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(data), 0, dataFrame, 0, data.length);
            java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(ack), 0, ackFrame, 0, ack.length);
            final long gso = tcpGso(1448);
            long allocated = 0;
            for (int round = 0; round < 2; round++) {
                final long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 100_000; i++) {
                    harness.port(0).inject(dataFrame, 0, data.length, 1, gso);
                    harness.port(1).inject(ackFrame, 0, ack.length, 1, PARTIAL_TCP);
                    harness.agent().doWork();
                    if ((i & 31) == 0) {
                        harness.port(0).clearTx();
                        harness.port(1).clearTx();
                    }
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertThat(event(ForwarderEvent.TOA_GSO_SKIPPED)).isGreaterThanOrEqualTo(200_000);
            assertThat(allocated).as("bytes allocated by 100 000 measured duty cycles").isLessThan(1024);
        }
    }

    // ---- the kernel's segmentation, restated ----

    /**
     * Cuts a GSO frame as the kernel does when the device cannot: each segment gets the headers, {@code gso_size}
     * payload bytes (the last one the rest), IPv4 total length and a fresh header checksum, identification + i; TCP:
     * sequence + i * gso_size, PSH and FIN only on the last segment, CWR only on the first; UDP: its length. The
     * partial seed is moved by the length change ({@code tcp_gso_segment}: {@code P - oldlen + newlen}) and the
     * checksum is completed over the segment ({@code skb_checksum_help}). Byte arrays, no production code.
     */
    static List<byte[]> segment(final byte[] frame, final long offload) {
        final int l4 = Offload.csumStart(offload);
        final boolean tcp = Offload.csumOffset(offload) == 16;
        final int headerLength = tcp ? ((frame[l4 + 12] & 0xff) >>> 4) * 4 : 8;
        final int ipHeaderLength = (frame[14] & 0x0f) * 4;
        final int totalL4 = frame.length - l4;
        final int data = frame.length - l4 - headerLength;
        final int mss = Offload.gsoSize(offload);
        final int seed = u16(frame, l4 + Offload.csumOffset(offload));
        final List<byte[]> segments = new ArrayList<>();
        for (int offset = 0, i = 0; offset < data; offset += mss, i++) {
            final int chunk = Math.min(mss, data - offset);
            final boolean last = offset + chunk == data;
            final byte[] s = new byte[l4 + headerLength + chunk];
            System.arraycopy(frame, 0, s, 0, l4 + headerLength);
            System.arraycopy(frame, l4 + headerLength + offset, s, l4 + headerLength, chunk);
            final int l4Length = headerLength + chunk;
            put16(s, 16, ipHeaderLength + l4Length);
            put16(s, 18, u16(frame, 18) + i);
            put16(s, 24, 0);
            put16(s, 24, ~fold(sum(s, 14, ipHeaderLength)) & 0xffff);
            if (tcp) {
                final long sequence = (u32(frame, l4 + 4) + (long) i * mss) & 0xffff_ffffL;
                put32(s, l4 + 4, sequence);
                int flags = frame[l4 + 13] & 0xff;
                if (!last) {
                    flags &= ~(0x08 | 0x01);
                }
                if (i > 0) {
                    flags &= ~0x80;
                }
                s[l4 + 13] = (byte) flags;
            } else {
                put16(s, l4 + 4, l4Length);
            }
            final int segmentSeed = fold((seed & 0xffffL) + (~totalL4 & 0xffffL) + l4Length);
            put16(s, l4 + Offload.csumOffset(offload), segmentSeed);
            int checksum = ~fold(sum(s, l4, l4Length)) & 0xffff;
            if (!tcp && checksum == 0) {
                checksum = 0xffff;
            }
            put16(s, l4 + Offload.csumOffset(offload), checksum);
            segments.add(s);
        }
        return segments;
    }

    /** Segments {@code frame} and checks every segment as a receiver would, and that the payload comes out whole. */
    private static void checkSegments(final byte[] frame, final long offload, final byte[] payload) {
        final List<byte[]> segments = segment(frame, offload);
        final int mss = Offload.gsoSize(offload);
        assertThat(segments).hasSize((payload.length + mss - 1) / mss);
        final int l4 = Offload.csumStart(offload);
        final boolean tcp = Offload.csumOffset(offload) == 16;
        final ByteBuffer joined = ByteBuffer.allocate(payload.length);
        for (int i = 0; i < segments.size(); i++) {
            final byte[] s = segments.get(i);
            assertThat(s.length - 14).as("segment %d fits the MTU", i).isLessThanOrEqualTo(1500 + 8000);
            assertThat(fold(sum(s, 14, 20))).as("segment %d IPv4 header checksum", i).isEqualTo(0xffff);
            final int l4Length = s.length - l4;
            final long pseudo = (u16(s, 26) + u16(s, 28) + u16(s, 30) + u16(s, 32)) + (s[23] & 0xff) + l4Length;
            assertThat(fold(sum(s, l4, l4Length) + pseudo)).as("segment %d of %d: %s checksum", i, segments.size(),
                tcp ? "TCP" : "UDP").isEqualTo(0xffff);
            final int headerLength = tcp ? ((s[l4 + 12] & 0xff) >>> 4) * 4 : 8;
            joined.put(s, l4 + headerLength, l4Length - headerLength);
        }
        assertThat(joined.array()).isEqualTo(payload);
    }

    private static long sum(final byte[] bytes, final int offset, final int length) {
        long acc = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            acc += u16(bytes, offset + i);
        }
        if ((length & 1) != 0) {
            acc += (bytes[offset + length - 1] & 0xff) << 8;
        }
        return acc;
    }

    private static int fold(final long sum) {
        long acc = sum;
        while ((acc >>> 16) != 0) {
            acc = (acc & 0xffff) + (acc >>> 16);
        }
        return (int) acc;
    }

    private static int u16(final byte[] bytes, final int at) {
        return (bytes[at] & 0xff) << 8 | (bytes[at + 1] & 0xff);
    }

    private static long u32(final byte[] bytes, final int at) {
        return (long) u16(bytes, at) << 16 | u16(bytes, at + 2);
    }

    private static void put16(final byte[] bytes, final int at, final int value) {
        bytes[at] = (byte) (value >>> 8);
        bytes[at + 1] = (byte) value;
    }

    private static void put32(final byte[] bytes, final int at, final long value) {
        put16(bytes, at, (int) (value >>> 16));
        put16(bytes, at + 2, (int) value);
    }
}
