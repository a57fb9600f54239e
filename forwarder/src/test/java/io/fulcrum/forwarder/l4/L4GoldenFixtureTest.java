package io.fulcrum.forwarder.l4;

import static io.fulcrum.forwarder.testing.L4Frames.fromBackendFullNat;
import static io.fulcrum.forwarder.testing.L4Frames.fromClient;
import static io.fulcrum.forwarder.testing.L4Frames.toBackendFullNat;
import static io.fulcrum.forwarder.testing.L4Frames.toClient;
import static io.fulcrum.forwarder.testing.L4Harness.BACKEND_PORT;
import static io.fulcrum.forwarder.testing.L4Harness.FIRST_LOCAL_PORT;
import static io.fulcrum.forwarder.testing.L4Harness.LOCAL_IP;
import static io.fulcrum.forwarder.testing.L4Harness.VIP;
import static io.fulcrum.forwarder.testing.TestNet.BACKEND_IP;
import static io.fulcrum.forwarder.testing.TestNet.BACKEND_MAC;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_IP;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB0_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB1_MAC;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fulcrum.conntrack.FlowTable;
import io.fulcrum.forwarder.stage.DropReason;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.L4Harness;
import io.fulcrum.forwarder.testing.PacketBuilder;

/**
 * Golden fixtures for every L4 rewrite: input frame, byte-exact expected output frame (checksums computed by
 * {@link PacketBuilder}'s independent oracle, so the production's incremental updates are checked), the port it
 * leaves on and the counters. The TCP fixtures follow one connection through FULLNAT with TOA.
 */
class L4GoldenFixtureTest {
    private static final int CLIENT_PORT = 33000;
    private static final int CLIENT_ISN = 1_000_000;
    private static final int BACKEND_ISN = 7_000_000;
    private static final byte[] MSS_1460 = {2, 4, 0x05, (byte) 0xb4};
    private static final byte[] MSS_1452 = {2, 4, 0x05, (byte) 0xac};
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes();
    private static final byte[] RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes();
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH_ACK = 0x18;
    private static final int FIN_ACK = 0x11;
    private static final int RST = 0x04;

    private L4Harness l4;
    private AgentHarness harness;

    @BeforeEach
    void setUp() {
        l4 = new L4Harness();
        harness = l4.agent();
    }

    @AfterEach
    void tearDown() {
        assertThat(harness.unaccounted()).isZero();
        assertThat(harness.errors()).isEmpty();
        l4.close();
    }

    // ---- frames ----





    private static byte[] toa(final int kind, final int port, final int ip) {
        return ByteBuffer.allocate(8).put((byte) kind).put((byte) 8).putShort((short) port).putInt(ip).array();
    }

    private static byte[] concat(final byte[] a, final byte[] b) {
        final byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Processes {@code input} and checks that exactly {@code expected} left on {@code port}. */
    private void expect(final byte[] input, final int port, final byte[] expected) {
        harness.clearTx();
        harness.process(inboundPort(input), input, 0);
        final List<byte[]> out = ipFrames(port);
        assertThat(out).as("frames sent on port %d", port).hasSize(1);
        assertThat(HexFormat.of().formatHex(out.get(0))).isEqualTo(HexFormat.of().formatHex(expected));
        assertThat(ipFrames(1 - port)).isEmpty();
    }

    private void expectDrop(final byte[] input, final DropReason reason) {
        harness.clearTx();
        final long before = harness.counters().drops(reason);
        harness.process(inboundPort(input), input, 0);
        assertThat(harness.counters().drops(reason)).as(reason.label()).isEqualTo(before + 1);
        assertThat(ipFrames(0)).isEmpty();
        assertThat(ipFrames(1)).isEmpty();
    }

    /** The port a frame arrives on: the one whose MAC it is addressed to. */
    private static int inboundPort(final byte[] frame) {
        return frame[5] == (byte) LB1_MAC ? 1 : 0;
    }

    /** IPv4 frames sent on {@code port} (the ARP probes the agent sends ahead of need are left out). */
    private List<byte[]> ipFrames(final int port) {
        return harness.tx(port).stream().filter(f -> f.length > 13 && f[12] == 8 && f[13] == 0).toList();
    }

    private long event(final ForwarderEvent event) {
        return harness.counters().events(event);
    }

    private void handshake() {
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN, 0, SYN, MSS_1452, new byte[0]).build());
        expect(fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1460,
                new byte[0]).build(), 0,
            toClient().tcp(80, CLIENT_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1452, new byte[0]).build());
    }

    // ---- fixtures ----

    @Test
    void fullNatConnectionWithToa() {
        handshake();
        assertThat(event(ForwarderEvent.FLOW_CREATED)).isEqualTo(1);
        assertThat(event(ForwarderEvent.MSS_CLAMPED)).isEqualTo(2);

        // The handshake-completing ACK carries the TOA (kind 254, client port, client address).
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK,
                toa(254, CLIENT_PORT, CLIENT_IP), new byte[0]).build());
        // So does client data until the backend has acknowledged data.
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK, REQUEST).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK,
                toa(254, CLIENT_PORT, CLIENT_IP), REQUEST).build());
        assertThat(event(ForwarderEvent.TOA_ADDED)).isEqualTo(2);

        // The backend answers and acknowledges the request: from now on no TOA.
        final int clientNext = CLIENT_ISN + 1 + REQUEST.length;
        expect(fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, BACKEND_ISN + 1, clientNext, PSH_ACK, RESPONSE)
                .build(), 0,
            toClient().tcp(80, CLIENT_PORT, BACKEND_ISN + 1, clientNext, PSH_ACK, RESPONSE).build());
        final int backendNext = BACKEND_ISN + 1 + RESPONSE.length;
        expect(fromClient().tcp(CLIENT_PORT, 80, clientNext, backendNext, ACK, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, clientNext, backendNext, ACK, new byte[0]).build());
        assertThat(event(ForwarderEvent.TOA_ADDED)).isEqualTo(2);

        // FIN from the client, RST from the backend.
        expect(fromClient().tcp(CLIENT_PORT, 80, clientNext, backendNext, FIN_ACK, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, clientNext, backendNext, FIN_ACK, new byte[0]).build());
        expect(fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, backendNext, 0, RST, new byte[0]).build(), 0,
            toClient().tcp(80, CLIENT_PORT, backendNext, 0, RST, new byte[0]).build());
        assertThat(harness.unaccounted()).isZero();
    }

    @Test
    void clientSentToaOptionIsStrippedAndTheRealOneInserted() {
        handshake();
        final byte[] spoofed = toa(254, 1, 0x01020304);
        final byte[] nops = {1, 1, 1, 1, 1, 1, 1, 1};
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK, spoofed, REQUEST).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK,
                concat(toa(254, CLIENT_PORT, CLIENT_IP), nops), REQUEST).build());
        assertThat(event(ForwarderEvent.TOA_STRIPPED)).isEqualTo(1);
        assertThat(event(ForwarderEvent.TOA_ADDED)).isEqualTo(1);
    }

    @Test
    void noRoomForToaLeavesThePacketUntouchedAndCounts() {
        handshake();
        final byte[] fortyBytesOfOptions = new byte[40];
        java.util.Arrays.fill(fortyBytesOfOptions, (byte) 1);
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK, fortyBytesOfOptions, new byte[0])
                .build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK, fortyBytesOfOptions,
                new byte[0]).build());
        assertThat(event(ForwarderEvent.TOA_NO_ROOM)).isEqualTo(1);
        assertThat(event(ForwarderEvent.TOA_ADDED)).isZero();
    }

    @Test
    void dnatRewritesOnlyTheDestinationAndRepliesComeBackFromTheVip() {
        expect(fromClient().tcp(CLIENT_PORT, 81, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build(), 1,
            PacketBuilder.ethernet(LB1_MAC, BACKEND_MAC).ipv4(CLIENT_IP, BACKEND_IP).ttl(63)
                .tcp(CLIENT_PORT, BACKEND_PORT, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build());
        // The backend routes its reply to the client through us.
        expect(PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).ipv4(BACKEND_IP, CLIENT_IP)
                .tcp(BACKEND_PORT, CLIENT_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1460, new byte[0]).build(), 0,
            toClient().tcp(81, CLIENT_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1460, new byte[0]).build());
        expect(fromClient().tcp(CLIENT_PORT, 81, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK, REQUEST).build(), 1,
            PacketBuilder.ethernet(LB1_MAC, BACKEND_MAC).ipv4(CLIENT_IP, BACKEND_IP).ttl(63)
                .tcp(CLIENT_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK, REQUEST).build());
        assertThat(event(ForwarderEvent.TOA_ADDED)).isZero();
    }

    @Test
    void udpFullNatAndDnat() {
        final byte[] query = "query".getBytes();
        final byte[] answer = "answer!".getBytes();
        expect(fromClient().udp(5353, 53, query).build(), 1,
            toBackendFullNat().udp(FIRST_LOCAL_PORT, BACKEND_PORT, query).build());
        expect(fromBackendFullNat().udp(BACKEND_PORT, FIRST_LOCAL_PORT, answer).build(), 0,
            toClient().udp(53, 5353, answer).build());
        expect(fromClient().udp(5354, 54, query).build(), 1,
            PacketBuilder.ethernet(LB1_MAC, BACKEND_MAC).ipv4(CLIENT_IP, BACKEND_IP).ttl(63).udp(5354, BACKEND_PORT, query)
                .build());
        expect(PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).ipv4(BACKEND_IP, CLIENT_IP).udp(BACKEND_PORT, 5354, answer).build(),
            0, toClient().udp(54, 5354, answer).build());
        assertThat(event(ForwarderEvent.FLOW_CREATED)).isEqualTo(2);
    }

    @Test
    void icmpErrorsAboutTrackedFlowsAreTranslatedToTheOtherSide() {
        final byte[] query = "query-with-some-bytes".getBytes();
        expect(fromClient().udp(5353, 53, query).build(), 1,
            toBackendFullNat().udp(FIRST_LOCAL_PORT, BACKEND_PORT, query).build());
        // The backend says port unreachable about LIP:40000 -> backend:8080 (its IP header + 8 bytes quoted).
        final byte[] sent = toBackendFullNat().udp(FIRST_LOCAL_PORT, BACKEND_PORT, query).build();
        final byte[] quotedToBackend = java.util.Arrays.copyOfRange(sent, 14, 14 + 28);
        final byte[] translated = toClient().udp(53, 5353, query).build();
        // What the client gets quotes its own packet: client:5353 -> VIP:53 (TTL as we sent it on).
        final byte[] clientPacket = fromClient().ttl(63).udp(5353, 53, query).build();
        final byte[] quotedToClient = java.util.Arrays.copyOfRange(clientPacket, 14, 14 + 28);
        assertThat(translated).isNotEmpty();
        expect(PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).ipv4(BACKEND_IP, LOCAL_IP).icmp(3, 3, 0, 0, quotedToBackend)
                .build(), 0,
            toClient().icmp(3, 3, 0, 0, quotedToClient).build());
        // A router on the client side says fragmentation needed (MTU 1400) about VIP:53 -> client:5353.
        final byte[] reply = toClient().udp(53, 5353, query).build();
        final byte[] quotedReply = java.util.Arrays.copyOfRange(reply, 14, 14 + 28);
        final byte[] backendReply = fromBackendFullNat().ttl(63).udp(BACKEND_PORT, FIRST_LOCAL_PORT, query).build();
        final byte[] quotedBackendReply = java.util.Arrays.copyOfRange(backendReply, 14, 14 + 28);
        expect(PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP).icmp(3, 4, 0, 1400, quotedReply).build(), 1,
            PacketBuilder.ethernet(LB1_MAC, BACKEND_MAC).ipv4(LOCAL_IP, BACKEND_IP).ttl(63)
                .icmp(3, 4, 0, 1400, quotedBackendReply).build());
        assertThat(event(ForwarderEvent.ICMP_ERROR_TRANSLATED)).isEqualTo(2);
        expectDrop(PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP).icmp(3, 3, 0, 0,
            java.util.Arrays.copyOfRange(fromClient().udp(1, 2, query).build(), 14, 42)).build(), DropReason.ICMP_NO_FLOW);
    }

    @Test
    void firstFragmentCarriesTheFlowAndLaterFragmentsFollowIt() {
        final byte[] firstPayload = new byte[64];
        java.util.Arrays.fill(firstPayload, (byte) 7);
        // First fragment: UDP header + 64 bytes, MF set; the UDP length and checksum cover the whole datagram.
        final byte[] whole = fromClient().id(0x4242).udp(6000, 53, new byte[64 + 40]).build();
        final byte[] firstFrame = fragment(whole, 0, 72, true);
        final byte[] expectedFirst = fragment(toBackendFullNat().id(0x4242).udp(FIRST_LOCAL_PORT, BACKEND_PORT,
            new byte[64 + 40]).build(), 0, 72, true);
        expect(firstFrame, 1, expectedFirst);
        final byte[] later = fragment(whole, 72, 40, false);
        final byte[] expectedLater = fragment(toBackendFullNat().id(0x4242).udp(FIRST_LOCAL_PORT, BACKEND_PORT,
            new byte[64 + 40]).build(), 72, 40, false);
        expect(later, 1, expectedLater);
        assertThat(event(ForwarderEvent.FRAGMENT_FIRST_FORWARDED)).isEqualTo(1);
        assertThat(event(ForwarderEvent.FRAGMENT_LATER_FORWARDED)).isEqualTo(1);
        expectDrop(fragment(fromClient().id(0x777).udp(6001, 53, new byte[104]).build(), 72, 40, false),
            DropReason.FRAGMENT_UNTRACKED);
    }

    /** Cuts an IPv4 frame (20-byte header) into the fragment holding L4 bytes [offset, offset+length). */
    private static byte[] fragment(final byte[] frame, final int offset, final int length, final boolean more) {
        final byte[] out = new byte[14 + 20 + length];
        System.arraycopy(frame, 0, out, 0, 34);
        System.arraycopy(frame, 34 + offset, out, 34, length);
        out[16] = (byte) ((20 + length) >>> 8);
        out[17] = (byte) (20 + length);
        final int flags = (more ? 0x2000 : 0) | (offset / 8);
        out[20] = (byte) (flags >>> 8);
        out[21] = (byte) flags;
        out[24] = 0;
        out[25] = 0;
        final int sum = PacketBuilder.sum(out, 14, 20, 0);
        out[24] = (byte) (~sum >>> 8);
        out[25] = (byte) ~sum;
        return out;
    }

    @Test
    void aclDeniesListedSources() {
        expectDrop(fromClient().tcp(CLIENT_PORT, 82, CLIENT_ISN, 0, SYN, new byte[0]).build(), DropReason.ACL_DENIED);
        assertThat(event(ForwarderEvent.FLOW_CREATED)).isZero();
    }

    @Test
    void noBackendAnswersTheSynWithReset() {
        expect(fromClient().tcp(CLIENT_PORT, 83, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build(), 0,
            PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).ipv4(VIP, CLIENT_IP).flagsAndOffset(0x4000).id(0)
                .tcp(83, CLIENT_PORT, 0, CLIENT_ISN + 1, RST | ACK, new byte[0]).windowZero().build());
        assertThat(event(ForwarderEvent.RST_SENT)).isEqualTo(1);
    }

    @Test
    void malformedAndHostileTcpIsDroppedAndCounted() {
        expectDrop(fromClient().tcp(CLIENT_PORT, 80, 1, 0, SYN, new byte[0]).tcpDataOffset(4).build(),
            DropReason.TCP_BAD_HEADER);
        expectDrop(fromClient().tcp(CLIENT_PORT, 80, 1, 0, SYN, new byte[0]).tcpDataOffset(15).build(),
            DropReason.TCP_BAD_HEADER);
        expectDrop(fromClient().tcp(CLIENT_PORT, 80, 1, 0, SYN, new byte[] {2, 12, 5, (byte) 0xb4}, new byte[0]).build(),
            DropReason.TCP_BAD_OPTIONS);
        expectDrop(fromClient().tcp(CLIENT_PORT, 80, 1, 0, SYN, new byte[] {8, 0, 0, 0}, new byte[0]).build(),
            DropReason.TCP_BAD_OPTIONS);
        expectDrop(fromClient().tcp(CLIENT_PORT, 80, 1, 0, SYN | 0x01, new byte[0]).build(), DropReason.TCP_BAD_FLAGS);
        expectDrop(fromClient().tcp(CLIENT_PORT, 80, 1, 0, 0, new byte[0]).build(), DropReason.TCP_BAD_FLAGS);
        for (int i = 0; i < 100; i++) {
            expectDrop(fromClient().tcp(CLIENT_PORT + i, 80, i, 0, RST, new byte[0]).build(), DropReason.TCP_NO_FLOW);
        }
        expectDrop(fromClient().tcp(CLIENT_PORT, 80, 1, 0, SYN, new byte[0]).truncateTo(14 + 20 + 10).build(),
            DropReason.IPV4_BAD_TOTAL_LENGTH);
        assertThat(event(ForwarderEvent.FLOW_CREATED)).isZero();
        assertThat(harness.agent().l4()).isNotNull();
    }

    @Test
    void idleExpiryResetsBothSidesAndFreesTheLocalPort() {
        handshake();
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK,
                toa(254, CLIENT_PORT, CLIENT_IP), new byte[0]).build());
        final long freeBefore = l4.forwarder().localPortsAvailable();
        harness.clearTx();
        harness.advanceMs(10_000 + 200);
        harness.cycle();
        assertThat(ipFrames(0)).hasSize(1);
        assertThat(ipFrames(1)).hasSize(1);
        assertThat(HexFormat.of().formatHex(ipFrames(0).get(0))).isEqualTo(HexFormat.of().formatHex(
            toClient().ttl(64).flagsAndOffset(0x4000).id(0).tcp(80, CLIENT_PORT, BACKEND_ISN + 1, CLIENT_ISN + 1, RST | ACK,
                new byte[0]).windowZero().build()));
        assertThat(HexFormat.of().formatHex(ipFrames(1).get(0))).isEqualTo(HexFormat.of().formatHex(
            toBackendFullNat().ttl(64).flagsAndOffset(0x4000).id(0).tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1,
                BACKEND_ISN + 1, RST | ACK, new byte[0]).windowZero().build()));
        assertThat(event(ForwarderEvent.FLOW_EXPIRED)).isEqualTo(1);
        assertThat(event(ForwarderEvent.RST_SENT)).isEqualTo(2);
        assertThat(l4.forwarder().localPortsAvailable()).isEqualTo(freeBefore + 1);
        assertThat(l4.forwarder().flowTable().activeFlows()).isZero();
    }

    @Test
    void drainedBackendFlowsAreResetOnTheirNextPacket() {
        handshake();
        l4.group().remove(l4.backendRef(), 0);
        harness.clearTx();
        harness.process(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK, new byte[0]).build());
        assertThat(harness.counters().drops(DropReason.BACKEND_DRAINED)).isEqualTo(1);
        assertThat(ipFrames(0)).hasSize(1);
        assertThat(ipFrames(1)).hasSize(1);
        assertThat(l4.forwarder().flowTable().activeFlows()).isZero();
    }

    @Test
    void closedListenerTakesNoNewFlowsAndResetsItsFlowsAfterTheDeadline() {
        handshake();
        l4.closeListener(0, harness.nowMs() + 5_000);
        // the open flow keeps working (with its listener's TOA and timeouts) until the deadline
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK,
                toa(254, CLIENT_PORT, CLIENT_IP), new byte[0]).build());
        // a new connection to the closed VIP:port is not accepted
        harness.clearTx();
        harness.process(fromClient().tcp(CLIENT_PORT + 1, 80, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build());
        assertThat(harness.counters().drops(DropReason.NO_LISTENER)).isEqualTo(1);
        assertThat(ipFrames(1)).isEmpty();
        // after the deadline the flow's next packet resets both sides
        harness.advanceMs(5_000);
        harness.clearTx();
        harness.process(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK, new byte[0]).build());
        assertThat(harness.counters().drops(DropReason.LISTENER_REMOVED)).isEqualTo(1);
        assertThat(ipFrames(0)).hasSize(1);
        assertThat(ipFrames(1)).hasSize(1);
        assertThat(l4.forwarder().flowTable().activeFlows()).isZero();
    }

    /** Ends the handshaken connection: FIN from the client, FIN from the backend, last ACK (the flow is in TIME_WAIT). */
    private void closeGracefully() {
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, FIN_ACK, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, FIN_ACK,
                toa(254, CLIENT_PORT, CLIENT_IP), new byte[0]).build());
        expect(fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, BACKEND_ISN + 1, CLIENT_ISN + 2, FIN_ACK, new byte[0])
                .build(), 0,
            toClient().tcp(80, CLIENT_PORT, BACKEND_ISN + 1, CLIENT_ISN + 2, FIN_ACK, new byte[0]).build());
    }

    /** The backend refuses the connection: SYN, then RST from the backend (the flow is in CLOSE). */
    private void refuse() {
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN, 0, SYN, MSS_1452, new byte[0]).build());
        expect(fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, 0, CLIENT_ISN + 1, RST | ACK, new byte[0]).build(), 0,
            toClient().tcp(80, CLIENT_PORT, 0, CLIENT_ISN + 1, RST | ACK, new byte[0]).build());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"time-wait", "close"})
    void synReusingAFinishedFlowsTupleIsScheduledAfreshNotSentToTheOldBackend(final String finished) {
        if (finished.equals("time-wait")) {
            handshake();
            closeGracefully();
        } else {
            refuse();
        }
        assertThat(l4.forwarder().flowTable().activeFlows()).as("the finished flow is still in the table").isEqualTo(1);
        // The old backend is down now; the client's next connection happens to reuse its source port.
        l4.group().setHealthy(l4.backendRef(), false, 0);
        final int newIsn = CLIENT_ISN + 1_000_000;
        expect(fromClient().tcp(CLIENT_PORT, 80, newIsn, 0, SYN, MSS_1460, new byte[0]).build(), 0,
            PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).ipv4(VIP, CLIENT_IP).flagsAndOffset(0x4000).id(0)
                .tcp(80, CLIENT_PORT, 0, newIsn + 1, RST | ACK, new byte[0]).windowZero().build());
        assertThat(event(ForwarderEvent.FLOW_REUSED)).isEqualTo(1);
        assertThat(l4.forwarder().flowTable().activeFlows()).isZero();
        assertThat(l4.forwarder().localPortsAvailable()).as("the old flow's local port is free again").isEqualTo(100);

        // With the backend back, the reused tuple opens a new flow with a new local port.
        l4.group().setHealthy(l4.backendRef(), true, 0);
        expect(fromClient().tcp(CLIENT_PORT, 80, newIsn, 0, SYN, MSS_1460, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT + 1, BACKEND_PORT, newIsn, 0, SYN, MSS_1452, new byte[0]).build());
        assertThat(event(ForwarderEvent.FLOW_CREATED)).isEqualTo(2);
        assertThat(l4.forwarder().flowTable().activeFlows()).isEqualTo(1);
    }

    @Test
    void aFinishedFlowsLocalPortIsTakenOverWhenTheRotationComesBackToIt() {
        handshake();
        closeGracefully();
        // 99 more connections take the other 99 ports of the pool, each still opening (not finished).
        for (int i = 1; i < 100; i++) {
            harness.clearTx();
            harness.process(fromClient().tcp(CLIENT_PORT + i, 80, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build());
            assertThat(ipFrames(1)).hasSize(1);
        }
        assertThat(l4.forwarder().localPortsAvailable()).isZero();
        // The rotation is back at the first port, whose flow to this backend is in TIME_WAIT: the new one takes it.
        // Its SYN must lie after the old connection's sequence space (client ISN + SYN + FIN), or a backend holding
        // the old connection in TIME_WAIT would refuse it: the backend-side ISN is moved past it.
        final int reopened = CLIENT_ISN + 2 + (1 << 20);
        expect(fromClient().tcp(CLIENT_PORT + 100, 80, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, reopened, 0, SYN, MSS_1452, new byte[0]).build());
        expect(fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, BACKEND_ISN, reopened + 1, SYN | ACK, MSS_1460,
                new byte[0]).build(), 0,
            toClient().tcp(80, CLIENT_PORT + 100, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1452, new byte[0]).build());
        assertThat(event(ForwarderEvent.LOCAL_PORT_RECYCLED)).isEqualTo(1);
        assertThat(l4.forwarder().flowTable().activeFlows()).isEqualTo(100);
        assertThat(l4.forwarder().flowTable().peek(CLIENT_IP, VIP, CLIENT_PORT, 80, 6)).as("the old flow is gone")
            .isEqualTo(FlowTable.NOT_FOUND);
        // Every pair now carries a live connection to the only backend: a new one is refused and counted.
        expectDrop(fromClient().tcp(CLIENT_PORT + 101, 80, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build(),
            DropReason.LOCAL_PORTS_EXHAUSTED);
        assertThat(l4.forwarder().flowTable().activeFlows()).isEqualTo(100);
    }

    @Test
    void fullNatTranslatesSequenceNumbersAndTimestamps() {
        final int d = 0x10000000;
        l4.runtime().fullNatSequence((lip, lport, bip, bport, clientIsn, nowMs) -> clientIsn + d);
        // SYN: MSS, SACK-permitted, timestamps (TSval 1), NOP, window scale. The backend sees ISN + d and a TSval on
        // the agent's clock.
        final long now = harness.nowMs();
        final int t = (int) now - 1;
        final byte[] synOptions = {2, 4, 0x05, (byte) 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
        final byte[] synOut = ByteBuffer.allocate(20).put(new byte[] {2, 4, 0x05, (byte) 0xac, 4, 2, 8, 10})
            .putInt((int) now).putInt(0).put(new byte[] {1, 3, 3, 7}).array();
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN, 0, SYN, synOptions, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + d, 0, SYN, synOut, new byte[0]).build());
        assertThat(event(ForwarderEvent.TCP_TIMESTAMPS_TRANSLATED)).isEqualTo(1);
        // SYN-ACK: the acknowledgment and the timestamp echo go back to the client's space.
        final byte[] synAckIn = ByteBuffer.allocate(16).put(new byte[] {2, 4, 0x05, (byte) 0xb4, 1, 1, 8, 10})
            .putInt(500).putInt(1 + t).array();
        final byte[] synAckOut = ByteBuffer.allocate(16).put(new byte[] {2, 4, 0x05, (byte) 0xac, 1, 1, 8, 10})
            .putInt(500).putInt(1).array();
        expect(fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, BACKEND_ISN, CLIENT_ISN + d + 1, SYN | ACK, synAckIn,
                new byte[0]).build(), 0,
            toClient().tcp(80, CLIENT_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, synAckOut, new byte[0]).build());
        // Client data (with the TOA): sequence moved by d.
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, PSH_ACK, REQUEST).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + d + 1, BACKEND_ISN + 1, PSH_ACK,
                toa(254, CLIENT_PORT, CLIENT_IP), REQUEST).build());
        // Backend ACK with a SACK block: acknowledgment and both SACK edges back in the client's space.
        final int end = CLIENT_ISN + 1 + REQUEST.length;
        expect(fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, BACKEND_ISN + 1, end + d, ACK,
                sack(end + d + 100, end + d + 200), new byte[0]).build(), 0,
            toClient().tcp(80, CLIENT_PORT, BACKEND_ISN + 1, end, ACK, sack(end + 100, end + 200), new byte[0]).build());
        // An ICMP error about a packet we sent the backend quotes the client's own sequence number.
        final byte[] sent = toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, end + d, BACKEND_ISN + 1, PSH_ACK, REQUEST)
            .build();
        final byte[] own = fromClient().ttl(63).tcp(CLIENT_PORT, 80, end, BACKEND_ISN + 1, PSH_ACK, REQUEST).build();
        expect(fromBackendFullNat().icmp(3, 4, 0, 1400, java.util.Arrays.copyOfRange(sent, 14, 14 + 28)).build(), 0,
            toClient().icmp(3, 4, 0, 1400, java.util.Arrays.copyOfRange(own, 14, 14 + 28)).build());
        // Idle expiry: the RST to the backend is in its space, the one to the client in the client's.
        harness.clearTx();
        harness.advanceMs(10_000 + 200);
        harness.cycle();
        assertThat(HexFormat.of().formatHex(ipFrames(0).get(0))).isEqualTo(HexFormat.of().formatHex(
            toClient().ttl(64).flagsAndOffset(0x4000).id(0).tcp(80, CLIENT_PORT, BACKEND_ISN + 1, end, RST | ACK,
                new byte[0]).windowZero().build()));
        assertThat(HexFormat.of().formatHex(ipFrames(1).get(0))).isEqualTo(HexFormat.of().formatHex(
            toBackendFullNat().ttl(64).flagsAndOffset(0x4000).id(0).tcp(FIRST_LOCAL_PORT, BACKEND_PORT, end + d,
                BACKEND_ISN + 1, RST | ACK, new byte[0]).windowZero().build()));
    }

    private static byte[] sack(final int left, final int right) {
        return ByteBuffer.allocate(12).put((byte) 1).put((byte) 1).put((byte) 5).put((byte) 10).putInt(left).putInt(right)
            .array();
    }

    @Test
    void retransmittedSynAndSynIntoAnOpenConnectionFollowTheirFlow() {
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN, 0, SYN, MSS_1452, new byte[0]).build());
        // retransmission before the SYN-ACK: same flow, same local port
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN, 0, SYN, MSS_1460, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN, 0, SYN, MSS_1452, new byte[0]).build());
        expect(fromBackendFullNat().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1460,
                new byte[0]).build(), 0,
            toClient().tcp(80, CLIENT_PORT, BACKEND_ISN, CLIENT_ISN + 1, SYN | ACK, MSS_1452, new byte[0]).build());
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 1, BACKEND_ISN + 1, ACK,
                toa(254, CLIENT_PORT, CLIENT_IP), new byte[0]).build());
        // a SYN into the established connection goes to its backend too (the backend answers with a challenge ACK)
        l4.group().setHealthy(l4.backendRef(), false, 0);
        expect(fromClient().tcp(CLIENT_PORT, 80, CLIENT_ISN + 5, 0, SYN, MSS_1460, new byte[0]).build(), 1,
            toBackendFullNat().tcp(FIRST_LOCAL_PORT, BACKEND_PORT, CLIENT_ISN + 5, 0, SYN, MSS_1452, new byte[0]).build());
        assertThat(event(ForwarderEvent.FLOW_REUSED)).isZero();
        assertThat(event(ForwarderEvent.FLOW_CREATED)).isEqualTo(1);
    }

    @Test
    void fullTableRefusesNewFlowsAndKeepsOldOnes() {
        l4.close();
        l4 = new L4Harness(2, 1, 0);
        harness = l4.agent();
        for (int i = 0; i < 2; i++) {
            harness.clearTx();
            harness.process(fromClient().udp(7000 + i, 53, new byte[4]).build());
            assertThat(ipFrames(1)).hasSize(1);
        }
        expectDrop(fromClient().udp(7002, 53, new byte[4]).build(), DropReason.FLOW_TABLE_FULL);
        harness.clearTx();
        harness.process(fromClient().udp(7000, 53, new byte[4]).build());
        assertThat(ipFrames(1)).hasSize(1);
        assertThat(l4.forwarder().localPortsAvailable()).isEqualTo(98);
    }
}
