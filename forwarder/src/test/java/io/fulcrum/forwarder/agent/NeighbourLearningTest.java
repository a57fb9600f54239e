package io.fulcrum.forwarder.agent;

import static io.fulcrum.forwarder.testing.TestNet.BACKEND_IP;
import static io.fulcrum.forwarder.testing.TestNet.BACKEND_MAC;
import static io.fulcrum.forwarder.testing.TestNet.BROADCAST_MAC;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_IP;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_MAC;
import static io.fulcrum.forwarder.testing.TestNet.HOST2_IP;
import static io.fulcrum.forwarder.testing.TestNet.HOST2_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB0_IP;
import static io.fulcrum.forwarder.testing.TestNet.LB1_IP;
import static io.fulcrum.forwarder.testing.TestNet.LB1_MAC;
import static io.fulcrum.forwarder.testing.TestNet.REMOTE_IP;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.ForwarderConfiguration;
import io.fulcrum.forwarder.StaticNeighbourConfiguration;
import io.fulcrum.forwarder.neighbour.NeighbourTable;
import io.fulcrum.forwarder.stage.ArpStage;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.stage.L4Stage;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.PacketBuilder;

/** ARP teaches the neighbour table; next-hop resolution sends rate-limited ARP requests out of the right port. */
class NeighbourLearningTest {

    @Test
    void gratuitousArpIsLearnedAndAgesOut() {
        try (AgentHarness harness = new AgentHarness()) {
            harness.process(PacketBuilder.ethernet(HOST2_MAC, BROADCAST_MAC).gratuitousArp(HOST2_MAC, HOST2_IP).build());
            final NeighbourTable table = harness.agent().neighbours();
            assertThat(table.lookup(HOST2_IP, harness.nowMs())).isEqualTo(HOST2_MAC);
            assertThat(table.port(HOST2_IP)).isZero();
            harness.advanceMs(ForwarderConfiguration.DEFAULT_REACHABLE_TIME_MS);
            assertThat(table.lookup(HOST2_IP, harness.nowMs())).isEqualTo(NeighbourTable.UNRESOLVED);
            for (int i = 0; i < table.capacity(); i++) {
                harness.cycle();
            }
            assertThat(table.size()).isZero();
            assertThat(harness.counters().events(ForwarderEvent.NEIGHBOUR_EXPIRED)).isEqualTo(1);
        }
    }

    @Test
    void requestForUsTeachesTheSenderButAForeignRequestDoesNot() {
        try (AgentHarness harness = new AgentHarness()) {
            harness.process(PacketBuilder.ethernet(HOST2_MAC, BROADCAST_MAC).arpRequest(HOST2_MAC, HOST2_IP, CLIENT_IP).build());
            assertThat(harness.agent().neighbours().state(HOST2_IP)).isEqualTo(NeighbourTable.STATE_FREE);
            harness.process(PacketBuilder.ethernet(CLIENT_MAC, BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, LB0_IP).build());
            assertThat(harness.agent().neighbours().lookup(CLIENT_IP, harness.nowMs())).isEqualTo(CLIENT_MAC);
        }
    }

    @Test
    void foreignRequestRefreshesAnExistingEntry() {
        try (AgentHarness harness = new AgentHarness()) {
            harness.process(PacketBuilder.ethernet(CLIENT_MAC, BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, LB0_IP).build());
            harness.advanceMs(20_000);
            harness.process(PacketBuilder.ethernet(CLIENT_MAC, BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, HOST2_IP)
                .build());
            harness.advanceMs(20_000);
            assertThat(harness.agent().neighbours().lookup(CLIENT_IP, harness.nowMs())).isEqualTo(CLIENT_MAC);
            assertThat(harness.counters().events(ForwarderEvent.ARP_REFRESHED)).isEqualTo(1);
        }
    }

    @Test
    void offLinkSendersAreNotLearned() {
        try (AgentHarness harness = new AgentHarness()) {
            harness.process(PacketBuilder.ethernet(CLIENT_MAC, BROADCAST_MAC).gratuitousArp(CLIENT_MAC, REMOTE_IP).build());
            // 198.18.2.1 is on lb1's subnet, not lb0's: arriving on lb0 it is off-link there.
            harness.process(PacketBuilder.ethernet(CLIENT_MAC, BROADCAST_MAC).gratuitousArp(CLIENT_MAC, BACKEND_IP).build());
            assertThat(harness.agent().neighbours().size()).isZero();
        }
    }

    @Test
    void staticNeighboursResolveForeverAndIgnoreArp() {
        final ForwarderConfiguration configuration = AgentHarness.defaultConfiguration()
            .withStaticNeighbours(List.of(new StaticNeighbourConfiguration(BACKEND_IP, BACKEND_MAC, "lb1")));
        try (AgentHarness harness = new AgentHarness(configuration, L4Stage.NO_LISTENER, 64)) {
            harness.process(1, PacketBuilder.ethernet(HOST2_MAC, BROADCAST_MAC).gratuitousArp(HOST2_MAC, BACKEND_IP).build(), 0);
            harness.advanceMs(10 * ForwarderConfiguration.DEFAULT_REACHABLE_TIME_MS);
            for (int i = 0; i < 200; i++) {
                harness.cycle();
            }
            final ArpStage arp = harness.agent().processor().arp();
            assertThat(arp.resolve(BACKEND_IP, harness.nowMs())).isEqualTo(BACKEND_MAC);
            assertThat(harness.counters().events(ForwarderEvent.ARP_STATIC_KEPT)).isEqualTo(1);
            assertThat(harness.tx(1)).isEmpty();
        }
    }

    @Test
    void resolutionSendsOneRequestPerSecondOutOfTheRightPortUntilAnswered() {
        try (AgentHarness harness = new AgentHarness()) {
            final ArpStage arp = harness.agent().processor().arp();
            assertThat(arp.portFor(BACKEND_IP)).isEqualTo(1);
            assertThat(arp.resolve(BACKEND_IP, harness.nowMs())).isEqualTo(NeighbourTable.UNRESOLVED);
            final byte[] request = PacketBuilder.ethernet(LB1_MAC, BROADCAST_MAC).arpRequest(LB1_MAC, LB1_IP, BACKEND_IP).build();
            assertThat(harness.tx(1)).hasSize(1);
            assertThat(HexFormat.of().formatHex(harness.tx(1).get(0))).isEqualTo(HexFormat.of().formatHex(request));
            assertThat(harness.tx(0)).isEmpty();

            harness.advanceMs(999);
            assertThat(arp.resolve(BACKEND_IP, harness.nowMs())).isEqualTo(NeighbourTable.UNRESOLVED);
            assertThat(harness.tx(1)).hasSize(1);
            assertThat(harness.counters().events(ForwarderEvent.RESOLVE_RATE_LIMITED)).isEqualTo(1);

            harness.advanceMs(1);
            assertThat(arp.resolve(BACKEND_IP, harness.nowMs())).isEqualTo(NeighbourTable.UNRESOLVED);
            assertThat(harness.tx(1)).hasSize(2);
            assertThat(harness.counters().events(ForwarderEvent.ARP_REQUEST_SENT)).isEqualTo(2);
            assertThat(harness.counters().txFrames()).isEqualTo(2);

            harness.process(1, PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).arpReply(BACKEND_MAC, BACKEND_IP, LB1_MAC, LB1_IP)
                .build(), 0);
            assertThat(arp.resolve(BACKEND_IP, harness.nowMs())).isEqualTo(BACKEND_MAC);
            assertThat(harness.agent().neighbours().pending()).isZero();
            assertThat(harness.unaccounted()).isZero();
        }
    }

    @Test
    void resolutionOfAnOffLinkAddressSendsNothing() {
        try (AgentHarness harness = new AgentHarness()) {
            final long mac = harness.agent().processor().arp().resolve(REMOTE_IP, harness.nowMs());
            assertThat(mac).isEqualTo(NeighbourTable.UNRESOLVED);
            assertThat(harness.tx(0)).isEmpty();
            assertThat(harness.tx(1)).isEmpty();
            assertThat(harness.counters().events(ForwarderEvent.RESOLVE_OFF_LINK)).isEqualTo(1);
        }
    }

    @Test
    void pendingResolutionsAreBounded() {
        try (AgentHarness harness = new AgentHarness()) {
            final ArpStage arp = harness.agent().processor().arp();
            final int max = ForwarderConfiguration.DEFAULT_MAX_PENDING_RESOLUTIONS;
            for (int i = 0; i < max + 10; i++) {
                arp.resolve(BACKEND_IP + 1 + i, harness.nowMs());
            }
            assertThat(harness.tx(1)).hasSize(max);
            assertThat(harness.counters().events(ForwarderEvent.RESOLVE_PENDING_FULL)).isEqualTo(10);
        }
    }
}
