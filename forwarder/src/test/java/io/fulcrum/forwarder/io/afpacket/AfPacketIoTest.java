package io.fulcrum.forwarder.io.afpacket;

import static io.fulcrum.forwarder.io.afpacket.TestFrames.ETH_HEADER;
import static io.fulcrum.forwarder.io.afpacket.TestFrames.UDP_PAYLOAD_OFFSET;
import static io.fulcrum.forwarder.io.afpacket.TestFrames.ipv4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.Offload;
import io.fulcrum.forwarder.io.sys.NetNamespace;
import io.fulcrum.forwarder.io.sys.Syscalls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link AfPacketIo} over a real veth pair between two namespaces (needs root):
 * <pre>
 *   ns A: a0 02:00:00:00:0a:01 (no address; the ports under test)
 *     -- veth --
 *   ns B: b0 02:00:00:00:0b:01 198.18.0.2/24, static neighbour 198.18.0.1 -> a0 (the peer kernel)
 * </pre>
 */
class AfPacketIoTest {
    private static final long MAC_A = 0x02_00_00_00_0a_01L;
    private static final long MAC_B = 0x02_00_00_00_0b_01L;
    private static final int IP_A = ipv4(198, 18, 0, 1);
    private static final int IP_B = ipv4(198, 18, 0, 2);
    private static final long WAIT_MS = 3_000;

    private static VethLab lab;
    private static String nsA;
    private static String nsB;

    @BeforeAll
    static void createVethPair() {
        lab = new VethLab();
        try {
            nsA = lab.namespace("a");
            nsB = lab.namespace("b");
            lab.veth(nsA, "a0", "02:00:00:00:0a:01", nsB, "b0", "02:00:00:00:0b:01");
            VethLab.run("ip", "-n", nsB, "addr", "add", "198.18.0.2/24", "dev", "b0");
            VethLab.run("ip", "-n", nsB, "neigh", "replace", "198.18.0.1", "lladdr", "02:00:00:00:0a:01", "dev", "b0",
                "nud", "permanent");
        } catch (final RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    @AfterAll
    static void deleteVethPair() {
        if (lab != null) {
            lab.close();
        }
    }

    private static AfPacketIo openIn(final String namespace, final AfPacketConfiguration configuration) {
        try (NetNamespace scope = NetNamespace.enter(namespace)) {
            return AfPacketIo.open(configuration);
        }
    }

    private static DatagramSocket udpSocketInB(final int port) throws IOException {
        try (NetNamespace scope = NetNamespace.enter(nsB)) {
            return new DatagramSocket(new InetSocketAddress(InetAddress.getByName("198.18.0.2"), port));
        }
    }

    private static void sendFromB(final DatagramSocket socket, final int port, final byte[] payload) throws IOException {
        socket.send(new DatagramPacket(payload, payload.length, InetAddress.getByName("198.18.0.1"), port));
    }

    private static void setPeerTxChecksumOffload(final boolean on) {
        lab.exec(nsB, "ethtool", "-K", "b0", "tx", on ? "on" : "off");
    }

    private static int randomPort() {
        return ThreadLocalRandom.current().nextInt(20_000, 30_000);
    }

    /** A received frame, copied out of the ring. */
    private record Received(byte[] bytes, int flags) {
    }

    /** Receives until {@code wanted} frames matching {@code match} arrived or the wait ends; releases every slot. */
    private static List<Received> receive(final AfPacketIo io, final Predicate<byte[]> match, final int wanted,
                                          final long waitMs) {
        final List<Received> result = new ArrayList<>();
        final FrameBatch batch = new FrameBatch(64);
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(arena);
            final MemorySegment pollFd = arena.allocate(Syscalls.POLLFD);
            pollFd.set(ValueLayout.JAVA_INT, 0, io.pollFd());
            pollFd.set(ValueLayout.JAVA_SHORT, 4, Syscalls.POLLIN);
            final long deadline = System.nanoTime() + waitMs * 1_000_000L;
            while (result.size() < wanted && System.nanoTime() < deadline) {
                if (io.receive(batch) == 0) {
                    Syscalls.poll(state, pollFd, 1, 10);
                    continue;
                }
                for (int i = 0; i < batch.count(); i++) {
                    final byte[] bytes = batch.memory().asSlice(batch.offset(i), batch.length(i)).toArray(ValueLayout.JAVA_BYTE);
                    if (match.test(bytes)) {
                        result.add(new Received(bytes, batch.flags(i)));
                    }
                }
                io.releaseRx(batch);
            }
        }
        return result;
    }

    @Test
    void receivesDatagramSentByPeerKernelWithExactBytes() throws IOException {
        setPeerTxChecksumOffload(false);
        final int port = randomPort();
        final byte[] payload = "fulcrum af_packet rx".getBytes(StandardCharsets.US_ASCII);
        try (AfPacketIo io = openIn(nsA, AfPacketConfiguration.of("a0"));
             DatagramSocket socket = udpSocketInB(0)) {
            sendFromB(socket, port, payload);
            final List<Received> frames = receive(io, f -> TestFrames.isUdpTo(f, port), 1, WAIT_MS);

            assertThat(frames).hasSize(1);
            final byte[] frame = frames.get(0).bytes();
            assertThat(TestFrames.mac(frame, 0)).isEqualTo(MAC_A);
            assertThat(TestFrames.mac(frame, 6)).isEqualTo(MAC_B);
            assertThat(TestFrames.getInt(frame, ETH_HEADER + 12)).isEqualTo(IP_B);
            assertThat(TestFrames.getInt(frame, ETH_HEADER + 16)).isEqualTo(IP_A);
            assertThat(TestFrames.srcPort(frame)).isEqualTo(socket.getLocalPort());
            assertThat(frame).hasSize(UDP_PAYLOAD_OFFSET + payload.length);
            assertThat(Arrays.copyOfRange(frame, UDP_PAYLOAD_OFFSET, frame.length)).isEqualTo(payload);
            assertThat(TestFrames.checksumsValid(frame)).isTrue();
            assertThat(frames.get(0).flags()).isZero();
            assertThat(io.kernelDrops()).isZero();
        } finally {
            setPeerTxChecksumOffload(true);
        }
    }

    @Test
    void flagsChecksumNotReadyWhenPeerOffloadsTxChecksum() throws IOException {
        setPeerTxChecksumOffload(true);
        final int port = randomPort();
        try (AfPacketIo io = openIn(nsA, AfPacketConfiguration.of("a0"));
             DatagramSocket socket = udpSocketInB(0)) {
            sendFromB(socket, port, new byte[100]);
            final List<Received> frames = receive(io, f -> TestFrames.isUdpTo(f, port), 1, WAIT_MS);

            assertThat(frames).hasSize(1);
            assertThat(frames.get(0).flags() & FrameBatch.FLAG_CSUM_NOT_READY).isNotZero();
            // The L4 field holds the pseudo-header sum only, so the frame does not verify as it is.
            assertThat(TestFrames.checksumsValid(frames.get(0).bytes())).isFalse();
        }
    }

    @Test
    void noChecksumFlagWhenPeerTxChecksumOffloadIsOff() throws IOException {
        setPeerTxChecksumOffload(false);
        final int port = randomPort();
        try (AfPacketIo io = openIn(nsA, AfPacketConfiguration.of("a0"));
             DatagramSocket socket = udpSocketInB(0)) {
            sendFromB(socket, port, new byte[100]);
            final List<Received> frames = receive(io, f -> TestFrames.isUdpTo(f, port), 1, WAIT_MS);

            assertThat(frames).hasSize(1);
            assertThat(frames.get(0).flags() & FrameBatch.FLAG_CSUM_NOT_READY).isZero();
            assertThat(TestFrames.checksumsValid(frames.get(0).bytes())).isTrue();
        } finally {
            setPeerTxChecksumOffload(true);
        }
    }

    @Test
    void flagsTruncatedWhenFrameExceedsRxSlot() throws IOException {
        final int port = randomPort();
        final byte[] payload = new byte[600];
        Arrays.fill(payload, (byte) 0x5a);
        try (AfPacketIo io = openIn(nsA, AfPacketConfiguration.of("a0").withRing(16, 256));
             DatagramSocket socket = udpSocketInB(0)) {
            sendFromB(socket, port, payload);
            final List<Received> frames = receive(io, f -> TestFrames.isUdpTo(f, port), 1, WAIT_MS);

            assertThat(frames).hasSize(1);
            assertThat(frames.get(0).flags() & FrameBatch.FLAG_TRUNCATED).isNotZero();
            assertThat(frames.get(0).bytes()).hasSize(256 - TpacketDescriptor.RX_DATA_OFFSET);
        }
    }

    @Test
    void transmittedFrameReachesPeerSocket() throws IOException {
        final int port = randomPort();
        final byte[] payload = "fulcrum af_packet tx".getBytes(StandardCharsets.US_ASCII);
        try (AfPacketIo io = openIn(nsA, AfPacketConfiguration.of("a0"));
             DatagramSocket socket = udpSocketInB(port);
             Arena arena = Arena.ofConfined()) {
            socket.setSoTimeout((int) WAIT_MS);
            final byte[] frame = TestFrames.udp(MAC_B, io.macAddress(), IP_A, IP_B, 4321, port, payload);
            final MemorySegment source = arena.allocate(frame.length + 10L);
            MemorySegment.copy(frame, 0, source, ValueLayout.JAVA_BYTE, 10, frame.length);

            assertThat(io.transmit(source, 10, frame.length)).isTrue();
            assertThat(io.flush()).isEqualTo(1);

            final DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
            socket.receive(packet);
            assertThat(Arrays.copyOf(packet.getData(), packet.getLength())).isEqualTo(payload);
            assertThat(packet.getAddress().getHostAddress()).isEqualTo("198.18.0.1");
            assertThat(packet.getPort()).isEqualTo(4321);
            assertThat(io.flush()).isZero();
        }
    }

    /** Opens a port with virtio headers and 32 frames of 128 KiB per ring. */
    private static AfPacketIo openVnetIn(final String namespace) {
        return openIn(namespace, AfPacketConfiguration.of(namespace.equals(nsA) ? "a0" : "b0").withVnetHeader(true, 32));
    }

    @Test
    void vnetHeaderReceivesAPeerUdpGsoSendWholeWithItsOffloadWord() {
        final int port = randomPort();
        final FrameBatch batch = new FrameBatch(16);
        try (AfPacketIo io = openVnetIn(nsA)) {
            assertThat(io.name()).contains("vnet-hdr").doesNotContain("qdisc-bypass");
            // UDP_SEGMENT (103): one 5000-byte send leaves b0 as one GSO super-frame of 1000-byte segments.
            lab.exec(nsB, "python3", "-c", "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                + "s.setsockopt(socket.SOL_UDP, 103, 1000); s.sendto(bytes(range(250)) * 20, ('198.18.0.1', " + port + "))");
            long offload = Offload.NONE;
            byte[] frame = null;
            final long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
            while (frame == null && System.nanoTime() < deadline) {
                if (io.receive(batch) == 0) {
                    LockSupport.parkNanos(5_000_000L);
                    continue;
                }
                for (int i = 0; i < batch.count(); i++) {
                    final byte[] bytes = batch.memory().asSlice(batch.offset(i), batch.length(i)).toArray(ValueLayout.JAVA_BYTE);
                    if (TestFrames.isUdpTo(bytes, port)) {
                        frame = bytes;
                        offload = batch.offload(i);
                        assertThat(batch.flags(i) & FrameBatch.FLAG_TRUNCATED).isZero();
                    }
                }
                io.releaseRx(batch);
            }
            assertThat(frame).as("the GSO frame").isNotNull();
            assertThat(frame).hasSize(UDP_PAYLOAD_OFFSET + 5000);
            assertThat(Offload.gsoType(offload)).as(Offload.describe(offload)).isEqualTo(Offload.GSO_UDP_L4);
            assertThat(Offload.gsoSize(offload)).isEqualTo(1000);
            assertThat(Offload.needsChecksum(offload)).isTrue();
            assertThat(Offload.csumStart(offload)).isEqualTo(ETH_HEADER + 20);
            assertThat(Offload.csumOffset(offload)).isEqualTo(6);
        }
    }

    @Test
    void vnetHeaderTransmitsAGsoFrameThatTheKernelSegments() throws IOException {
        final int port = randomPort();
        final byte[] payload = new byte[4 * 1200 + 33];
        ThreadLocalRandom.current().nextBytes(payload);
        try (AfPacketIo io = openVnetIn(nsA);
             DatagramSocket socket = udpSocketInB(port);
             Arena arena = Arena.ofConfined()) {
            socket.setSoTimeout((int) WAIT_MS);
            final byte[] frame = TestFrames.udp(MAC_B, io.macAddress(), IP_A, IP_B, 4321, port, payload);
            // CHECKSUM_PARTIAL: the UDP field holds the folded pseudo-header sum (length of the whole datagram).
            final int udpLength = 8 + payload.length;
            long pseudo = (IP_A >>> 16) + (IP_A & 0xffff) + (IP_B >>> 16) + (IP_B & 0xffff) + 17 + udpLength;
            while ((pseudo >>> 16) != 0) {
                pseudo = (pseudo & 0xffff) + (pseudo >>> 16);
            }
            frame[UDP_PAYLOAD_OFFSET - 2] = (byte) (pseudo >>> 8);
            frame[UDP_PAYLOAD_OFFSET - 1] = (byte) pseudo;
            final MemorySegment source = arena.allocate(frame.length);
            MemorySegment.copy(frame, 0, source, ValueLayout.JAVA_BYTE, 0, frame.length);
            final long gso = Offload.of(Offload.F_NEEDS_CSUM, Offload.GSO_UDP_L4, 1200, ETH_HEADER + 20, 6);

            assertThat(io.maxGsoTransmitLength()).isGreaterThan(65_535 + ETH_HEADER);
            assertThat(io.transmit(source, 0, frame.length, gso)).isTrue();
            assertThat(io.flush()).isEqualTo(1);

            final ByteArrayOutputStream received = new ByteArrayOutputStream();
            for (int i = 0; i < 5; i++) {
                final DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
                socket.receive(packet);
                assertThat(packet.getLength()).isEqualTo(i < 4 ? 1200 : 33);
                received.write(packet.getData(), 0, packet.getLength());
            }
            assertThat(received.toByteArray()).isEqualTo(payload);
        }
    }

    @Test
    void reportsInterfaceMacMtuAndIndex() {
        lab.exec(nsA, "ip", "link", "set", "a0", "mtu", "1400");
        try (AfPacketIo io = openIn(nsA, AfPacketConfiguration.of("a0"))) {
            assertThat(io.macAddress()).isEqualTo(MAC_A);
            assertThat(io.mtu()).isEqualTo(1400);
            assertThat(io.ifIndex()).isPositive();
            assertThat(io.maxTransmitLength()).isEqualTo(1400 + 14 + 4);
            assertThat(io.name()).startsWith("af_packet:a0");
        } finally {
            lab.exec(nsA, "ip", "link", "set", "a0", "mtu", "1500");
        }
    }

    @Test
    void fanoutHashSplitsFramesAcrossTwoPorts() {
        final int port = randomPort();
        final int frames = 256;
        final int group = ThreadLocalRandom.current().nextInt(1, 0xffff);
        final AfPacketConfiguration fanout = AfPacketConfiguration.of("a0")
            .withFanout(group, AfPacketConfiguration.FanoutMode.HASH);
        try (AfPacketIo first = openIn(nsA, fanout);
             AfPacketIo second = openIn(nsA, fanout);
             AfPacketIo sender = openIn(nsB, AfPacketConfiguration.of("b0"));
             Arena arena = Arena.ofConfined()) {
            final MemorySegment buffer = arena.allocate(2048);
            for (int i = 0; i < frames; i++) {
                final byte[] frame = TestFrames.udp(MAC_A, MAC_B, IP_B, IP_A, 1024 + i * 7, port, new byte[18]);
                MemorySegment.copy(frame, 0, buffer, ValueLayout.JAVA_BYTE, 0, frame.length);
                assertThat(sender.transmit(buffer, 0, frame.length)).isTrue();
                if ((i & 31) == 31) {
                    sender.flush();
                }
            }
            sender.flush();

            final int toFirst = receive(first, f -> TestFrames.isUdpTo(f, port), frames, 500).size();
            final int toSecond = receive(second, f -> TestFrames.isUdpTo(f, port), frames - toFirst, WAIT_MS).size();

            assertThat(toFirst + toSecond).isEqualTo(frames);
            assertThat(toFirst).isBetween(frames / 8, frames - frames / 8);
            assertThat(second.name()).contains("fanout " + group + "/hash");
        }
    }

    @Test
    void fanoutCbpfOwnerProgramSendsEachFrameToTheAgentOwningIt() {
        final int frames = 200;
        final int group = ThreadLocalRandom.current().nextInt(1, 0xffff);
        // IP_A is the VIP: frames to it go by source port; frames to another address (a reply) by destination port.
        final int other = ipv4(198, 18, 0, 77);
        final AfPacketConfiguration steered = AfPacketConfiguration.of("a0")
            .withFanoutProgram(group, OwnerSteeringProgram.build(2, new int[] {IP_A}));
        try (AfPacketIo agent0 = openIn(nsA, steered);
             AfPacketIo agent1 = openIn(nsA, steered);
             AfPacketIo sender = openIn(nsB, AfPacketConfiguration.of("b0"));
             Arena arena = Arena.ofConfined()) {
            final MemorySegment buffer = arena.allocate(2048);
            for (int i = 0; i < frames; i++) {
                final boolean toVip = (i & 1) == 0;
                // Owners (port >>> 1) % 2 of 30000, 30003, 30006, 30009...: 0, 1, 1, 0, repeating: half each.
                final int varying = 30_000 + i / 2 * 3;
                final byte[] frame = toVip
                    ? TestFrames.udp(MAC_A, MAC_B, IP_B, IP_A, varying, 7777, new byte[18])
                    : TestFrames.udp(MAC_A, MAC_B, IP_B, other, 7777, varying, new byte[18]);
                MemorySegment.copy(frame, 0, buffer, ValueLayout.JAVA_BYTE, 0, frame.length);
                assertThat(sender.transmit(buffer, 0, frame.length)).isTrue();
                if ((i & 31) == 31) {
                    sender.flush();
                }
            }
            sender.flush();

            final Predicate<byte[]> ours = f -> TestFrames.isUdpTo(f, 7777)
                || f.length >= UDP_PAYLOAD_OFFSET && TestFrames.isUdpTo(f, steeringPort(f)) && TestFrames.srcPort(f) == 7777;
            final List<Received> at0 = receive(agent0, ours, frames / 2, WAIT_MS);
            final List<Received> at1 = receive(agent1, ours, frames / 2, WAIT_MS);

            assertThat(at0.size() + at1.size()).isEqualTo(frames);
            for (final Received r : at0) {
                assertThat((steeringPort(r.bytes()) >>> 1) % 2).as("frame on agent 0").isZero();
            }
            for (final Received r : at1) {
                assertThat((steeringPort(r.bytes()) >>> 1) % 2).as("frame on agent 1").isEqualTo(1);
            }
            assertThat(at0).hasSize(frames / 2);
            assertThat(agent1.name()).contains("fanout " + group + "/cbpf(");
        }
    }

    /** The port the owner rule uses for a test frame: the source port to the VIP (IP_A), else the destination port. */
    private static int steeringPort(final byte[] frame) {
        return TestFrames.getInt(frame, ETH_HEADER + 16) == IP_A ? TestFrames.srcPort(frame)
            : TestFrames.getShort(frame, ETH_HEADER + 22);
    }

    @Test
    void transmitReturnsFalseWhenRingIsFullAndRecoversAfterFlush() {
        try (AfPacketIo io = openIn(nsA, AfPacketConfiguration.of("a0").withRing(2, 2048));
             Arena arena = Arena.ofConfined()) {
            final byte[] frame = TestFrames.udp(MAC_B, MAC_A, IP_A, IP_B, 4000, 9, new byte[18]);
            final MemorySegment source = arena.allocateFrom(ValueLayout.JAVA_BYTE, frame);

            assertThat(io.transmit(source, 0, frame.length)).isTrue();
            assertThat(io.transmit(source, 0, frame.length)).isTrue();
            final long start = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                assertThat(io.transmit(source, 0, frame.length)).isFalse();
            }
            assertThat(System.nanoTime() - start).isLessThan(500_000_000L);

            assertThat(io.flush()).isEqualTo(2);
            boolean sentAgain = false;
            final long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
            while (!sentAgain && System.nanoTime() < deadline) {
                sentAgain = io.transmit(source, 0, frame.length);
                Thread.onSpinWait();
            }
            assertThat(sentAgain).isTrue();
            assertThat(io.flush()).isEqualTo(1);
            assertThat(io.txKickErrors()).isZero();
        }
    }

    @Test
    void transmitRejectsFramesThatDoNotFitASlotOrTheMtu() {
        try (AfPacketIo small = openIn(nsA, AfPacketConfiguration.of("a0").withRing(16, 1024));
             AfPacketIo normal = openIn(nsA, AfPacketConfiguration.of("a0"));
             Arena arena = Arena.ofConfined()) {
            final MemorySegment source = arena.allocate(4096);
            assertThat(small.maxTransmitLength()).isEqualTo(1024 - TpacketDescriptor.TX_DATA_OFFSET);
            assertThat(small.transmit(source, 0, 1024 - TpacketDescriptor.TX_DATA_OFFSET + 1)).isFalse();
            assertThat(normal.transmit(source, 0, 1500 + 14 + 4 + 1)).isFalse();
            assertThat(normal.transmit(source, 0, 13)).isFalse();
            assertThat(small.flush()).isZero();
            assertThat(normal.flush()).isZero();
        }
    }

    @Test
    void countsRingOverflowAsKernelDropsAndNeverHandsOutASlotTwice() {
        final int port = randomPort();
        final int sent = 64;
        try (AfPacketIo receiver = openIn(nsA, AfPacketConfiguration.of("a0").withRing(16, 256));
             AfPacketIo sender = openIn(nsB, AfPacketConfiguration.of("b0"));
             Arena arena = Arena.ofConfined()) {
            final byte[] frame = TestFrames.udp(MAC_A, MAC_B, IP_B, IP_A, 5000, port, new byte[18]);
            final MemorySegment source = arena.allocateFrom(ValueLayout.JAVA_BYTE, frame);
            for (int i = 0; i < sent; i++) {
                assertThat(sender.transmit(source, 0, frame.length)).isTrue();
            }
            sender.flush();

            final FrameBatch batch = new FrameBatch(64);
            final long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
            while (receiver.kernelPackets() < sent && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(receiver.receive(batch)).isEqualTo(16);
            assertThatThrownBy(() -> receiver.receive(batch)).hasMessageContaining("not released");
            // Every slot is handed out: the ring must not wrap onto them again.
            assertThat(receiver.receive(new FrameBatch(64))).isZero();
            receiver.releaseRx(batch);
            assertThat(receiver.kernelDrops()).isEqualTo(sent - 16);
            assertThat(receiver.kernelPackets()).isEqualTo(sent);
        }
    }

    @Test
    void hotPathDoesNotAllocate() {
        try (AfPacketIo a = openIn(nsA, AfPacketConfiguration.of("a0"));
             AfPacketIo b = openIn(nsB, AfPacketConfiguration.of("b0"));
             Arena arena = Arena.ofConfined()) {
            final byte[] frame = TestFrames.udp(MAC_B, MAC_A, IP_A, IP_B, 6000, 9, new byte[18]);
            final MemorySegment source = arena.allocateFrom(ValueLayout.JAVA_BYTE, frame);
            final FrameBatch batchA = new FrameBatch(32);
            final FrameBatch batchB = new FrameBatch(32);

            final long[] counters = new long[1];
            final int cyclesPerRound = 100_000;

            cycles(a, b, source, frame.length, batchA, batchB, 60_000, counters);
            assertThat(counters[0]).isPositive();
            // JIT warm-up and deoptimisation can leave a few interpreted calls in any one round; a per-cycle
            // allocation would show up in every round, so steady state is proven by one round at exactly zero.
            final List<Long> allocatedPerRound = new ArrayList<>();
            for (int round = 0; round < 6 && !allocatedPerRound.contains(0L); round++) {
                final long receivedBefore = counters[0];
                final long before = ThreadAllocation.currentThreadAllocatedBytes();
                cycles(a, b, source, frame.length, batchA, batchB, cyclesPerRound, counters);
                allocatedPerRound.add(ThreadAllocation.currentThreadAllocatedBytes() - before);
                assertThat(counters[0] - receivedBefore).isGreaterThan(cyclesPerRound / 2);
            }

            assertThat(a.kernelDrops() + b.kernelDrops()).isZero();
            assertThat(allocatedPerRound).allMatch(bytes -> bytes < cyclesPerRound / 10).contains(0L);
        }
    }

    /**
     * Transmit on a, flush, receive and release on b (and a): the per-packet calls of an agent's duty cycle.
     * Adds the frames b received to {@code counters[0]}.
     */
    private static void cycles(final AfPacketIo a, final AfPacketIo b, final MemorySegment frame, final int length,
                               final FrameBatch batchA, final FrameBatch batchB, final int count, final long[] counters) {
        long received = 0;
        for (int i = 0; i < count; i++) {
            a.transmit(frame, 0, length);
            a.flush();
            received += b.receive(batchB);
            b.releaseRx(batchB);
            a.receive(batchA);
            a.releaseRx(batchA);
            b.flush();
        }
        counters[0] += received;
    }

    @Test
    void openFailsClearlyForUnknownInterface() {
        assertThatThrownBy(() -> openIn(nsA, AfPacketConfiguration.of("nosuch0")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("no such interface 'nosuch0'");
    }

    @Test
    void openFailsWithErrnoTextForBadFanoutMix() {
        final int group = ThreadLocalRandom.current().nextInt(1, 0xffff);
        try (AfPacketIo first = openIn(nsA, AfPacketConfiguration.of("a0")
            .withFanout(group, AfPacketConfiguration.FanoutMode.HASH))) {
            assertThat(first.pollFd()).isPositive();
            assertThatThrownBy(() -> openIn(nsA, AfPacketConfiguration.of("a0")
                .withFanout(group, AfPacketConfiguration.FanoutMode.QUEUE_MAPPING)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a0: setsockopt PACKET_FANOUT")
                .hasMessageContaining("(errno ");
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseThrowsInsteadOfFaulting() {
        final AfPacketIo io = openIn(nsA, AfPacketConfiguration.of("a0"));
        final long drops = io.kernelDrops();
        io.close();
        io.close();
        assertThat(io.kernelDrops()).isEqualTo(drops);
        assertThatThrownBy(() -> io.receive(new FrameBatch(4))).isInstanceOf(RuntimeException.class);
    }

    @Test
    void rejectsInvalidConfiguration() {
        assertThatThrownBy(() -> AfPacketConfiguration.of("a0").withRing(3, 2048))
            .hasMessageContaining("frameCount must be a power of two");
        assertThatThrownBy(() -> AfPacketConfiguration.of("a0").withRing(4, 1000))
            .hasMessageContaining("frameSize must be a power of two");
        assertThatThrownBy(() -> AfPacketConfiguration.of("a0").withRing(2, 256))
            .hasMessageContaining("at least 4096");
        assertThatThrownBy(() -> AfPacketConfiguration.of("a-very-long-interface-name"))
            .hasMessageContaining("interfaceName");
        assertThatThrownBy(() -> AfPacketConfiguration.of("a0").withFanout(70_000, AfPacketConfiguration.FanoutMode.HASH))
            .hasMessageContaining("fanoutGroupId");
    }

    @Test
    void receiveReportsNothingWithoutTraffic() {
        try (AfPacketIo io = openIn(nsA, AfPacketConfiguration.of("a0"))) {
            final FrameBatch batch = new FrameBatch(8);
            assertThat(io.receive(batch)).isZero();
            assertThat(batch.count()).isZero();
            assertThat(batch.memory().byteSize()).isEqualTo(4096L * 2048);
            io.releaseRx(batch);
        }
    }
}
