package io.fulcrum.forwarder.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import io.fulcrum.conntrack.FlowDescriptor;
import io.fulcrum.conntrack.TimeoutProfile;
import io.fulcrum.forwarder.ForwarderConfiguration;
import io.fulcrum.forwarder.StaticNeighbourConfiguration;
import io.fulcrum.forwarder.l4.AclTable;
import io.fulcrum.forwarder.l4.FullNatSequence;
import io.fulcrum.forwarder.l4.L4Forwarder;
import io.fulcrum.forwarder.l4.L4Runtime;
import io.fulcrum.forwarder.l4.L4Snapshot;
import io.fulcrum.forwarder.l4.L4TrafficCounters;
import io.fulcrum.forwarder.l4.Listener;
import io.fulcrum.forwarder.l4.TrafficCounters;
import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.xmit.RouteTable;
import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.BackendGroupConfiguration;
import io.fulcrum.scheduler.BackendSpec;
import io.fulcrum.scheduler.Layer;
import io.fulcrum.scheduler.NoBackendAction;
import io.fulcrum.scheduler.SchedulerAlgorithm;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The L4 test topology over {@link AgentHarness}: clients on port 0 ({@code lb0}, 198.18.1.0/24), the VIP
 * {@link #VIP} = 198.18.1.253 on port 0, backends on port 1 ({@code lb1}, 198.18.2.0/24) with the local
 * address {@link #LOCAL_IP} = 198.18.2.254 (ports {@link #FIRST_LOCAL_PORT}–+99). Static neighbours for the
 * client, a second client and the backend, so nothing waits for ARP.
 *
 * <p>Listeners: tcp/80 FULLNAT with TOA (kind 254) and a short (10 s) idle timeout, tcp/81 DNAT, udp/53 FULLNAT,
 * udp/54 DNAT, tcp/82 FULLNAT with an ACL that denies 198.18.1.0/28, tcp/83 FULLNAT to an empty group (RST).
 * Every listener and the backend have per-agent {@link TrafficCounters} in {@link #trafficCounters()}, labelled
 * as in production ({@code agent-<id> listener tcp-fullnat conns}, {@code agent-<id> backend web/<ip>:8080 conns}).
 */
public final class L4Harness implements AutoCloseable {
    public static final int VIP = TestNet.LB0_IP2;
    public static final int LOCAL_IP = TestNet.LB1_IP;
    public static final int FIRST_LOCAL_PORT = 40000;
    public static final int BACKEND_PORT = 8080;
    public static final int CLIENT2_IP = TestNet.HOST2_IP;

    private final AgentHarness agent;
    private final L4Runtime runtime;
    private final L4Forwarder forwarder;
    private final BackendGroup group;
    private final BackendGroup emptyGroup;
    private final int backendRef;
    private final CountersManager trafficManager;
    private L4TrafficCounters traffic;
    private long version = 1;
    private final java.util.Map<Integer, Long> closeDeadlinesMs = new java.util.HashMap<>();

    public L4Harness() {
        this(1 << 10, 1, 0);
    }

    /** A single-agent harness whose ports have {@code frameSize}-byte slots (GSO frames). */
    public L4Harness(final int frameSize) {
        this(new L4Runtime(1, 1 << 10,
            List.of(new L4Runtime.LocalAddress(LOCAL_IP, FIRST_LOCAL_PORT, FIRST_LOCAL_PORT + 99)), null, null), 0, null, true,
            frameSize);
    }

    /** A harness for agent {@code agentId} of {@code agents} with its own runtime. */
    public L4Harness(final int flowTableCapacity, final int agents, final int agentId) {
        this(new L4Runtime(agents, flowTableCapacity,
            List.of(new L4Runtime.LocalAddress(LOCAL_IP, FIRST_LOCAL_PORT, FIRST_LOCAL_PORT + 99)), null, null), agentId, null);
    }

    /** A harness for {@code agentId} sharing {@code runtime} (and the groups of {@code sibling}, if given). */
    public L4Harness(final L4Runtime runtime, final int agentId, final L4Harness sibling) {
        this(runtime, agentId, sibling, true);
    }

    /**
     * As {@link #L4Harness(L4Runtime, int, L4Harness)}; without {@code staticBackend} the backend has no static
     * neighbour entry, so the agent has to learn its MAC from ARP.
     */
    public L4Harness(final L4Runtime runtime, final int agentId, final L4Harness sibling, final boolean staticBackend) {
        this(runtime, agentId, sibling, staticBackend, 2048);
    }

    private L4Harness(final L4Runtime runtime, final int agentId, final L4Harness sibling, final boolean staticBackend,
                      final int frameSize) {
        this.runtime = runtime;
        if (sibling == null) {
            // Golden fixtures keep the client's sequence numbers; FULLNAT sequence translation has its own tests.
            runtime.fullNatSequence(FullNatSequence.CLIENT);
            group = newGroup("web", runtime.agents());
            emptyGroup = newGroup("empty", runtime.agents());
            backendRef = group.add(new BackendSpec(address(TestNet.BACKEND_IP), BACKEND_PORT, 100), 0);
            trafficManager = new CountersManager(new UnsafeBuffer(new byte[1024 * 1024]), new UnsafeBuffer(new byte[256 * 1024]));
            traffic = allocateTraffic(runtime.agents());
            publish();
        } else {
            group = sibling.group;
            emptyGroup = sibling.emptyGroup;
            backendRef = sibling.backendRef;
            trafficManager = sibling.trafficManager;
            traffic = sibling.traffic;
        }
        final ForwarderConfiguration base = AgentHarness.defaultConfiguration();
        final List<StaticNeighbourConfiguration> statics = new ArrayList<>(List.of(
            new StaticNeighbourConfiguration(TestNet.CLIENT_IP, TestNet.CLIENT_MAC, "lb0"),
            new StaticNeighbourConfiguration(TestNet.HOST2_IP, TestNet.HOST2_MAC, "lb0")));
        if (staticBackend) {
            statics.add(new StaticNeighbourConfiguration(TestNet.BACKEND_IP, TestNet.BACKEND_MAC, "lb1"));
        }
        final ForwarderConfiguration configuration = new ForwarderConfiguration(agentId, base.interfaces(), statics,
            base.reachableTimeMs(), base.resolveRetryIntervalMs(), base.neighbourCapacity(), base.maxPendingResolutions(),
            base.batchSize(), base.idle(), -1, 0);
        this.forwarder = runtime.newForwarder(agentId, 0);
        this.agent = new AgentHarness(configuration, forwarder, 256, frameSize);
    }

    private static BackendGroup newGroup(final String name, final int lanes) {
        return new BackendGroup(new BackendGroupConfiguration(name, Layer.L4, SchedulerAlgorithm.RR, lanes, 16, 65537, 0, 0,
            NoBackendAction.RESET, false), 0);
    }

    private static final String[] LISTENER_NAMES = {"tcp-fullnat", "tcp-dnat", "udp-fullnat", "udp-dnat", "tcp-acl", "tcp-empty"};

    private L4TrafficCounters allocateTraffic(final int agents) {
        final TrafficCounters[][] listeners = new TrafficCounters[agents][LISTENER_NAMES.length];
        final TrafficCounters[][][] backends = new TrafficCounters[agents][2][16];
        final int[][] refs = new int[2][16];
        final int slot = backendRef & 0xffff;
        refs[0][slot] = backendRef;
        for (int agent = 0; agent < agents; agent++) {
            for (int id = 0; id < LISTENER_NAMES.length; id++) {
                listeners[agent][id] = TrafficCounters.listener(trafficManager, agent, id, LISTENER_NAMES[id]);
            }
            backends[agent][0][slot] = TrafficCounters.backend(trafficManager, agent, 0, slot, "web",
                Bytes.formatIpv4(TestNet.BACKEND_IP) + ":" + BACKEND_PORT);
        }
        return new L4TrafficCounters(listeners, backends, refs);
    }

    /** The per-object counters published with the listeners (null after {@link #publish(L4TrafficCounters)} with null). */
    public L4TrafficCounters trafficCounters() {
        return traffic;
    }

    /** Where the per-object counters live (to read their labels). */
    public CountersReader trafficReader() {
        return trafficManager;
    }

    /** The manager of the per-object counters, to allocate more (e.g. for a backend added by a test). */
    public CountersManager trafficManager() {
        return trafficManager;
    }

    /** Publishes the listeners with other per-object counters (null: none). */
    public void publish(final L4TrafficCounters counters) {
        traffic = counters;
        publish();
    }

    /** Closes listener {@code id} to new flows (its flows are reset from {@code deadlineMs} on) and publishes. */
    public void closeListener(final int id, final long deadlineMs) {
        closeDeadlinesMs.put(id, deadlineMs);
        publish();
    }

    /** Publishes the listeners described in the class comment. */
    public void publish() {
        final TimeoutProfile shortIdle = TimeoutProfile.builder().tcpTimeoutS(io.fulcrum.conntrack.TcpState.ESTABLISHED, 10)
            .udpTimeoutS(10).resetOnIdleExpiry(true).build();
        final AclTable acl = AclTable.of(AclTable.Mode.DENY, new int[] {Bytes.parseIpv4("198.18.1.0")}, new int[] {28});
        final List<Listener> listeners = new ArrayList<>();
        listeners.add(new Listener(0, "tcp-fullnat", Listener.TCP, VIP, 80, FlowDescriptor.NAT_FULLNAT, 0, null, 254,
            shortIdle, 0));
        listeners.add(new Listener(1, "tcp-dnat", Listener.TCP, VIP, 81, FlowDescriptor.NAT_DNAT, 0, null, -1,
            TimeoutProfile.DEFAULT, 0));
        listeners.add(new Listener(2, "udp-fullnat", Listener.UDP, VIP, 53, FlowDescriptor.NAT_FULLNAT, 0, null, -1,
            shortIdle, 0));
        listeners.add(new Listener(3, "udp-dnat", Listener.UDP, VIP, 54, FlowDescriptor.NAT_DNAT, 0, null, -1,
            TimeoutProfile.DEFAULT, 0));
        listeners.add(new Listener(4, "tcp-acl", Listener.TCP, VIP, 82, FlowDescriptor.NAT_FULLNAT, 0, acl, -1,
            TimeoutProfile.DEFAULT, 0));
        listeners.add(new Listener(5, "tcp-empty", Listener.TCP, VIP, 83, FlowDescriptor.NAT_FULLNAT, 1, null, -1,
            TimeoutProfile.DEFAULT, 0));
        closeDeadlinesMs.forEach((id, deadlineMs) -> listeners.set(id, listeners.get(id).closed(deadlineMs)));
        runtime.publish(L4Snapshot.of(version++, listeners.toArray(new Listener[0]), new BackendGroup[] {group, emptyGroup},
            RouteTable.EMPTY, traffic));
    }

    public static InetAddress address(final int ipv4) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8),
                (byte) ipv4});
        } catch (final UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public AgentHarness agent() {
        return agent;
    }

    public L4Forwarder forwarder() {
        return forwarder;
    }

    public L4Runtime runtime() {
        return runtime;
    }

    public BackendGroup group() {
        return group;
    }

    public int backendRef() {
        return backendRef;
    }

    @Override
    public void close() {
        agent.close();
    }
}
