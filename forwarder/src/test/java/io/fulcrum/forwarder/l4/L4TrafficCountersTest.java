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

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.stage.ForwarderCounterTypes;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.L4Harness;
import io.fulcrum.forwarder.testing.PacketBuilder;
import io.fulcrum.scheduler.BackendSpec;

/**
 * Per-listener and per-backend traffic counters of the L4 path, driven through the in-memory agent: labels as
 * docs/metrics.md defines them, conns per new flow, LVS gauges (active = TCP ESTABLISHED, inactive = other TCP
 * states and UDP) across handshake, close and expiry, packets and IP bytes per direction, and no gauge going below
 * zero for flows created before the counters existed or whose backend slot is reused.
 */
class L4TrafficCountersTest {
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int FIN = 0x01;
    private static final int CLIENT_PORT = 33000;
    private static final String BACKEND = "web/" + Bytes.formatIpv4(BACKEND_IP) + ":" + BACKEND_PORT;

    private L4Harness l4;
    private AgentHarness harness;

    @BeforeEach
    void setUp() {
        l4 = new L4Harness();
        harness = l4.agent();
    }

    @AfterEach
    void tearDown() {
        assertThat(harness.errors()).isEmpty();
        l4.close();
    }

    private static PacketBuilder fromClient() {
        return PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP);
    }

    private static PacketBuilder fromBackend() {
        return PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).ipv4(BACKEND_IP, LOCAL_IP);
    }

    /** Label to value of every counter of agent 0, as {@code fulcrum stats} and the control plane see them. */
    private Map<String, Long> labels() {
        final Map<String, Long> values = new HashMap<>();
        l4.trafficReader().forEach((value, id, label) -> values.put(label, value));
        return values;
    }

    private long value(final String object, final String metric) {
        final Long v = labels().get("agent-0 " + object + " " + metric);
        assertThat(v).as("counter agent-0 %s %s", object, metric).isNotNull();
        return v;
    }

    private void expectConns(final String object, final long conns, final long active, final long inactive) {
        assertThat(List.of(value(object, "conns"), value(object, "active-conns"), value(object, "inactive-conns")))
            .as("%s conns, active, inactive", object).containsExactly(conns, active, inactive);
    }

    private static int ipLength(final byte[] frame) {
        return frame.length - 14;
    }

    @Test
    void everyListenerAndBackendHasTheSevenLabelledCountersWithTypeAndKey() {
        final Map<String, Long> values = labels();
        for (final String metric : TrafficCounters.METRICS) {
            for (final String listener : List.of("tcp-fullnat", "tcp-dnat", "udp-fullnat", "udp-dnat", "tcp-acl",
                "tcp-empty")) {
                assertThat(values).containsEntry("agent-0 listener " + listener + " " + metric, 0L);
            }
            assertThat(values).containsEntry("agent-0 backend " + BACKEND + " " + metric, 0L);
        }
        assertThat(values).hasSize(6 * 7 + 7);
        final Map<Integer, Integer> types = new HashMap<>();
        l4.trafficReader().forEach((id, typeId, key, label) -> types.merge(typeId, 1, Integer::sum));
        assertThat(types).containsEntry(ForwarderCounterTypes.L4_LISTENER, 42).containsEntry(ForwarderCounterTypes.L4_BACKEND, 7);
    }

    @Test
    void tcpFlowMovesFromInactiveToActiveAndBackAndLeavesTheGaugesOnExpiry() {
        final byte[] syn = fromClient().tcp(CLIENT_PORT, 80, 100, 0, SYN, new byte[0]).build();
        harness.process(0, syn, 0);
        expectConns("listener tcp-fullnat", 1, 0, 1);
        expectConns("backend " + BACKEND, 1, 0, 1);
        assertThat(value("listener tcp-fullnat", "in-packets")).isEqualTo(1);
        assertThat(value("listener tcp-fullnat", "in-bytes")).isEqualTo(ipLength(syn));

        final byte[] synAck = fromBackend().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, 500, 101, SYN | ACK, new byte[0]).build();
        harness.process(1, synAck, 0);
        final byte[] ack = fromClient().tcp(CLIENT_PORT, 80, 101, 501, ACK, new byte[0]).build();
        harness.process(0, ack, 0);
        expectConns("listener tcp-fullnat", 1, 1, 0);
        expectConns("backend " + BACKEND, 1, 1, 0);

        final byte[] data = fromClient().tcp(CLIENT_PORT, 80, 101, 501, ACK | 0x08, new byte[300]).build();
        harness.process(0, data, 0);
        final byte[] reply = fromBackend().tcp(BACKEND_PORT, FIRST_LOCAL_PORT, 501, 401, ACK | 0x08, new byte[700]).build();
        harness.process(1, reply, 0);
        for (final String object : List.of("listener tcp-fullnat", "backend " + BACKEND)) {
            assertThat(value(object, "in-packets")).as(object).isEqualTo(3);
            assertThat(value(object, "out-packets")).as(object).isEqualTo(2);
            assertThat(value(object, "in-bytes")).as(object).isEqualTo(ipLength(syn) + ipLength(ack) + ipLength(data));
            assertThat(value(object, "out-bytes")).as(object).isEqualTo(ipLength(synAck) + ipLength(reply));
        }

        harness.process(0, fromClient().tcp(CLIENT_PORT, 80, 401, 1201, FIN | ACK, new byte[0]).build(), 0);
        expectConns("listener tcp-fullnat", 1, 0, 1);
        expectConns("backend " + BACKEND, 1, 0, 1);
        assertThat(value("listener tcp-dnat", "conns")).isZero();

        harness.advanceMs(15 * 60_000);
        harness.cycle();
        assertThat(harness.counters().events(ForwarderEvent.FLOW_EXPIRED)).isEqualTo(1);
        expectConns("listener tcp-fullnat", 1, 0, 0);
        expectConns("backend " + BACKEND, 1, 0, 0);
    }

    @Test
    void udpFlowsAreInactiveAndEachNewFlowCountsOnce() {
        for (int i = 0; i < 3; i++) {
            harness.process(0, fromClient().udp(7000 + i, 53, new byte[20]).build(), 0);
            harness.process(0, fromClient().udp(7000 + i, 53, new byte[20]).build(), 0);
        }
        harness.process(0, fromClient().udp(7100, 54, new byte[20]).build(), 0);
        expectConns("listener udp-fullnat", 3, 0, 3);
        expectConns("listener udp-dnat", 1, 0, 1);
        expectConns("backend " + BACKEND, 4, 0, 4);
        assertThat(value("listener udp-fullnat", "in-packets")).isEqualTo(6);
        assertThat(value("listener udp-fullnat", "in-bytes")).isEqualTo(6 * (20 + 8 + 20));
        assertThat(value("backend " + BACKEND, "in-packets")).isEqualTo(7);

        harness.advanceMs(11_000);
        harness.cycle();
        expectConns("listener udp-fullnat", 3, 0, 0);
        expectConns("backend " + BACKEND, 4, 0, 1);
        harness.advanceMs(10 * 60_000);
        harness.cycle();
        expectConns("listener udp-dnat", 1, 0, 0);
        expectConns("backend " + BACKEND, 4, 0, 0);
    }

    @Test
    void flowsCreatedBeforeTheCountersExistedNeverDriveTheGaugesBelowZero() {
        final L4TrafficCounters counters = l4.trafficCounters();
        l4.publish(null);
        harness.process(0, fromClient().udp(7000, 53, new byte[20]).build(), 0);
        l4.publish(counters);
        harness.process(0, fromClient().udp(7000, 53, new byte[20]).build(), 0);
        expectConns("listener udp-fullnat", 0, 0, 0);
        assertThat(value("listener udp-fullnat", "in-packets")).isEqualTo(1);
        harness.advanceMs(11_000);
        harness.cycle();
        assertThat(harness.counters().events(ForwarderEvent.FLOW_EXPIRED)).isEqualTo(1);
        expectConns("listener udp-fullnat", 0, 0, 0);
        expectConns("backend " + BACKEND, 0, 0, 0);
    }

    @Test
    void aBackendAddedAtRuntimeCountsOnItsOwnCountersOnceTheyArePublished() {
        final int ref = l4.group().add(new BackendSpec(L4Harness.address(CLIENT_IP), 9090, 100), 0);
        final int slot = ref & 0xffff;
        // The group publishes the new backend before the conductor has published its counters: flows to it are not
        // counted on it, and closing them later does not touch the counters published meanwhile.
        for (int i = 0; i < 4; i++) {
            harness.process(0, fromClient().udp(7000 + i, 53, new byte[20]).build(), 0);
        }
        final TrafficCounters added = TrafficCounters.backend(l4.trafficManager(), 0, 0, slot, "web", "x:9090");
        final TrafficCounters original = l4.trafficCounters().backend(0, 0, l4.backendRef());
        final TrafficCounters[][][] backends = new TrafficCounters[1][2][16];
        final int[][] refs = new int[2][16];
        backends[0][0][l4.backendRef() & 0xffff] = original;
        refs[0][l4.backendRef() & 0xffff] = l4.backendRef();
        backends[0][0][slot] = added;
        refs[0][slot] = ref;
        final TrafficCounters[][] listeners = new TrafficCounters[1][6];
        for (int id = 0; id < 6; id++) {
            listeners[0][id] = l4.trafficCounters().listener(0, id);
        }
        l4.publish(new L4TrafficCounters(listeners, backends, refs));
        for (int i = 4; i < 8; i++) {
            harness.process(0, fromClient().udp(7000 + i, 53, new byte[20]).build(), 0);
        }
        // Round robin over two backends: two of the four later flows went to the added one.
        assertThat(added.conns()).isEqualTo(2);
        assertThat(original.conns()).isEqualTo(4);
        assertThat(value("listener udp-fullnat", "conns")).isEqualTo(8);
        assertThat(value("backend web/x:9090", "inactive-conns")).isEqualTo(2);

        harness.advanceMs(11_000);
        harness.cycle();
        assertThat(added.inactiveConns()).isZero();
        assertThat(original.inactiveConns()).isZero();
        expectConns("listener udp-fullnat", 8, 0, 0);
        // A ref that does not match the slot's counters (a removed backend's flows) finds none.
        assertThat(l4.trafficCounters().backend(0, 0, ref + (1 << 16))).isNull();
    }
}
