package io.fulcrum.forwarder.l4;

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

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.neighbour.NeighbourTable;
import io.fulcrum.forwarder.io.Offload;
import io.fulcrum.forwarder.stage.DropReason;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.testing.L4Harness;
import io.fulcrum.forwarder.testing.PacketBuilder;
import io.fulcrum.forwarder.testing.TestNet;

/**
 * Two agents over in-memory ports sharing one runtime: frames that reach the agent that does not own their flow
 * (as with hash fanout or RSS) go through the SPSC handoff ring to the owner, which forwards them; both
 * directions of a FULLNAT flow end up on the owner ({@code (port >>> 1) % 2}: client port 33003 → agent 1, local
 * ports 40002 and 40003 → agent 1).
 */
class HandoffTest {
    @Test
    void framesOfAnotherAgentsFlowAreHandedOverAndForwardedByTheOwner() {
        final L4Runtime runtime = new L4Runtime(2, 1 << 10,
            List.of(new L4Runtime.LocalAddress(LOCAL_IP, FIRST_LOCAL_PORT, FIRST_LOCAL_PORT + 99)), null, null);
        try (L4Harness agent0 = new L4Harness(runtime, 0, null); L4Harness agent1 = new L4Harness(runtime, 1, agent0)) {
            agent0.agent().cycle();
            agent1.agent().cycle();
            agent0.agent().clearTx();
            agent1.agent().clearTx();
            final int clientPort = 33003;
            // The SYN lands on agent 0, which hands it to agent 1.
            agent0.agent().process(0, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP)
                .tcp(clientPort, 80, 100, 0, 0x02, new byte[0]).build(), 0);
            assertThat(agent0.agent().counters().events(ForwarderEvent.HANDOFF_OUT)).isEqualTo(1);
            assertThat(agent0.agent().counters().consumedCount()).isEqualTo(1);
            assertThat(ip(agent0.agent().tx(1))).isEmpty();
            agent1.agent().cycle();
            assertThat(agent1.agent().counters().events(ForwarderEvent.HANDOFF_IN)).isEqualTo(1);
            final List<byte[]> toBackend = ip(agent1.agent().tx(1));
            assertThat(toBackend).hasSize(1);
            final int localPort = ((toBackend.get(0)[34] & 0xff) << 8) | (toBackend.get(0)[35] & 0xff);
            assertThat((localPort >>> 1) % 2).as("agent 1 allocates local ports (p >>> 1) %% 2 == 1").isEqualTo(1);
            assertThat(localPort).isEqualTo(FIRST_LOCAL_PORT + 2);
            // The SYN-ACK lands on agent 0 too, and is handed over as well.
            agent0.agent().process(1, PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).ipv4(BACKEND_IP, LOCAL_IP)
                .tcp(BACKEND_PORT, localPort, 500, 101, 0x12, new byte[0]).build(), 0);
            agent1.agent().clearTx();
            agent1.agent().cycle();
            final List<byte[]> toClient = ip(agent1.agent().tx(0));
            assertThat(toClient).hasSize(1);
            assertThat(java.util.HexFormat.of().formatHex(toClient.get(0))).isEqualTo(java.util.HexFormat.of().formatHex(
                PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).ipv4(VIP, CLIENT_IP).ttl(63)
                    .tcp(80, clientPort, 500, 101, 0x12, new byte[0]).build()));
            assertThat(agent0.forwarder().flowTable().activeFlows()).isZero();
            assertThat(agent1.forwarder().flowTable().activeFlows()).isEqualTo(1);
            // A flow agent 0 owns stays on agent 0: an even port, as Linux clients use, and an odd one.
            agent0.agent().clearTx();
            agent0.agent().process(0, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP)
                .tcp(33004, 80, 100, 0, 0x02, new byte[0]).build(), 0);
            agent0.agent().process(0, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP)
                .tcp(33005, 80, 100, 0, 0x02, new byte[0]).build(), 0);
            assertThat(ip(agent0.agent().tx(1))).hasSize(2);
            assertThat(agent0.agent().counters().events(ForwarderEvent.HANDOFF_OUT)).isEqualTo(2);
            // An even client port can belong to agent 1 too: Linux clients' connections spread over both agents.
            agent0.agent().process(0, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP)
                .tcp(33002, 80, 100, 0, 0x02, new byte[0]).build(), 0);
            assertThat(agent0.agent().counters().events(ForwarderEvent.HANDOFF_OUT)).isEqualTo(3);
            assertThat(agent0.agent().errors()).isEmpty();
            assertThat(agent1.agent().errors()).isEmpty();
        } finally {
            runtime.close();
        }
    }

    /**
     * Frames with a virtio header at the handoff: a partial checksum is completed before the copy (the owner gets a
     * plain frame, whose output verifies as the oracle's), a GSO frame is dropped and counted ({@code handoff-gso}):
     * the ring carries plain frames only.
     */
    @Test
    void aPartialFrameIsHandedOverCompleteAndAGsoFrameIsDroppedAndCounted() {
        final L4Runtime runtime = new L4Runtime(2, 1 << 10,
            List.of(new L4Runtime.LocalAddress(LOCAL_IP, FIRST_LOCAL_PORT, FIRST_LOCAL_PORT + 99)), null, null);
        try (L4Harness agent0 = new L4Harness(runtime, 0, null); L4Harness agent1 = new L4Harness(runtime, 1, agent0)) {
            agent0.agent().cycle();
            agent1.agent().cycle();
            agent1.agent().clearTx();
            final int clientPort = 33003;
            final byte[] syn = PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP)
                .tcp(clientPort, 80, 100, 0, 0x02, new byte[0]).partialChecksum().build();
            agent0.agent().inject(0, syn, 1, Offload.partial(34, 16)).cycle();
            assertThat(agent0.agent().counters().events(ForwarderEvent.HANDOFF_OUT)).isEqualTo(1);
            agent1.agent().cycle();
            final List<byte[]> toBackend = ip(agent1.agent().tx(1));
            assertThat(toBackend).hasSize(1);
            assertThat(agent1.agent().port(1).txOffload(agent1.agent().port(1).txCount() - 1)).isEqualTo(Offload.NONE);
            assertThat(java.util.HexFormat.of().formatHex(toBackend.get(0))).isEqualTo(java.util.HexFormat.of().formatHex(
                PacketBuilder.ethernet(LB1_MAC, BACKEND_MAC).ipv4(LOCAL_IP, BACKEND_IP).ttl(63)
                    .tcp(FIRST_LOCAL_PORT + 2, BACKEND_PORT, 100, 0, 0x02, new byte[0]).build()));
            final byte[] gso = PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP)
                .tcp(clientPort, 80, 101, 0, 0x10, new byte[1800]).partialChecksum().build();
            agent0.agent().inject(0, gso, 1, Offload.of(Offload.F_NEEDS_CSUM, Offload.GSO_TCPV4, 1000, 34, 16)).cycle();
            assertThat(agent0.agent().counters().drops(DropReason.HANDOFF_GSO)).isEqualTo(1);
            assertThat(agent0.agent().counters().events(ForwarderEvent.HANDOFF_OUT)).isEqualTo(1);
            assertThat(agent0.agent().unaccounted()).isZero();
            assertThat(agent0.agent().errors()).isEmpty();
            assertThat(agent1.agent().errors()).isEmpty();
        } finally {
            runtime.close();
        }
    }

    @Test
    void aNeighbourOneAgentLearnsFromArpIsLearnedByTheOtherAndTheRequestIsAnsweredOnce() {
        final L4Runtime runtime = new L4Runtime(2, 1 << 10,
            List.of(new L4Runtime.LocalAddress(LOCAL_IP, FIRST_LOCAL_PORT, FIRST_LOCAL_PORT + 99)), null, null);
        try (L4Harness agent0 = new L4Harness(runtime, 0, null, false);
             L4Harness agent1 = new L4Harness(runtime, 1, agent0, false)) {
            agent0.agent().cycle();
            agent1.agent().cycle();
            agent0.agent().clearTx();
            agent1.agent().clearTx();
            // Agent 1 owns the flow (client port 33003) but does not know the backend's MAC: it asks.
            final byte[] syn = PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP)
                .tcp(33003, 80, 100, 0, 0x02, new byte[0]).build();
            agent1.agent().process(0, syn, 0);
            assertThat(agent1.agent().counters().drops(DropReason.NEXT_HOP_UNRESOLVED)).isEqualTo(1);
            assertThat(arp(agent1.agent().tx(1), 1)).hasSize(1);
            // The reply reaches agent 0 only (as with the fanout program): it learns the backend and passes it on.
            agent0.agent().process(1, PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC)
                .arpReply(BACKEND_MAC, BACKEND_IP, LB1_MAC, TestNet.LB1_IP).build(), 0);
            assertThat(agent0.agent().counters().events(ForwarderEvent.ARP_LEARNED)).isEqualTo(1);
            assertThat(agent0.agent().counters().events(ForwarderEvent.NEIGHBOUR_SHARED_OUT)).isEqualTo(1);
            assertThat(agent0.agent().agent().neighbours().lookup(BACKEND_IP, agent0.agent().nowMs())).isEqualTo(BACKEND_MAC);
            assertThat(agent1.agent().agent().neighbours().lookup(BACKEND_IP, agent1.agent().nowMs()))
                .isEqualTo(NeighbourTable.UNRESOLVED);
            agent1.agent().cycle();
            assertThat(agent1.agent().counters().events(ForwarderEvent.NEIGHBOUR_SHARED_IN)).isEqualTo(1);
            assertThat(agent1.agent().agent().neighbours().lookup(BACKEND_IP, agent1.agent().nowMs())).isEqualTo(BACKEND_MAC);
            assertThat(agent1.agent().agent().neighbours().port(BACKEND_IP)).isEqualTo(1);
            assertThat(agent1.agent().counters().events(ForwarderEvent.NEIGHBOUR_SHARED_OUT))
                .as("a neighbour learned from another agent is not passed on").isZero();
            // The client's retransmitted SYN now goes to the backend's MAC.
            agent1.agent().clearTx();
            agent1.agent().process(0, syn, 0);
            final List<byte[]> toBackend = ip(agent1.agent().tx(1));
            assertThat(toBackend).hasSize(1);
            assertThat(destinationMac(toBackend.get(0))).isEqualTo(BACKEND_MAC);
            // The backend asks for our address; the request reaches agent 1: answered there, once, and agent 0
            // refreshes its entry from agent 1's record without answering anything.
            agent0.agent().clearTx();
            agent1.agent().clearTx();
            agent1.agent().process(1, PacketBuilder.ethernet(BACKEND_MAC, TestNet.BROADCAST_MAC)
                .arpRequest(BACKEND_MAC, BACKEND_IP, TestNet.LB1_IP).build(), 0);
            assertThat(arp(agent1.agent().tx(1), 2)).hasSize(1);
            assertThat(agent1.agent().counters().events(ForwarderEvent.ARP_REPLIED)).isEqualTo(1);
            assertThat(agent1.agent().counters().events(ForwarderEvent.NEIGHBOUR_SHARED_OUT)).isEqualTo(1);
            agent0.agent().cycle();
            assertThat(agent0.agent().counters().events(ForwarderEvent.NEIGHBOUR_SHARED_IN)).isEqualTo(1);
            assertThat(arp(agent0.agent().tx(1), 2)).isEmpty();
            assertThat(agent0.agent().counters().events(ForwarderEvent.ARP_REPLIED)).isZero();
            assertThat(agent0.agent().counters().events(ForwarderEvent.NEIGHBOUR_SHARED_OUT))
                .as("still only the one record agent 0 learned itself").isEqualTo(1);
            agent1.agent().cycle();
            assertThat(agent1.agent().counters().events(ForwarderEvent.NEIGHBOUR_SHARED_IN)).isEqualTo(1);
            assertThat(agent0.agent().unaccounted()).isZero();
            assertThat(agent1.agent().unaccounted()).isZero();
            assertThat(agent0.agent().errors()).isEmpty();
            assertThat(agent1.agent().errors()).isEmpty();
        } finally {
            runtime.close();
        }
    }

    private static long destinationMac(final byte[] frame) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = mac << 8 | (frame[i] & 0xff);
        }
        return mac;
    }

    /** The ARP frames of {@code opcode} (1 request, 2 reply) among {@code frames}. */
    private static List<byte[]> arp(final List<byte[]> frames, final int opcode) {
        return frames.stream().filter(f -> f[12] == 8 && f[13] == 6 && f[21] == opcode).toList();
    }

    private static List<byte[]> ip(final List<byte[]> frames) {
        return frames.stream().filter(f -> f[12] == 8 && f[13] == 0).toList();
    }
}
