package io.fulcrum.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.conntrack.TcpState;
import io.fulcrum.control.runtime.RuntimeStep;
import io.fulcrum.forwarder.l4.L4Snapshot;
import io.fulcrum.forwarder.l4.Listener;
import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.SchedulerAlgorithm;

/**
 * Listeners and group settings change live through the L4 step: a listener added on an owned address is in the next
 * snapshot with its own counters; settings changes keep the listener's id; a removed (or re-addressed) listener is
 * closed to new flows, keeps its id for its group's drain time and is freed after its flows' longest timeout; a
 * scheduler change replaces the group at the same index keeping refs and connection counts; what cannot change live
 * is refused with the reason.
 */
class L4BindingLiveChangesTest {
    private static final int VIP = 0xc6120064; // 198.18.0.100
    private static final String BASE = """
        node: {name: live}
        dataplane:
          io: af_packet
          agents: 2
          interfaces:
            - {name: cli0, addresses: [198.18.0.100/24, 198.18.0.101/24]}
            - {name: srv0, addresses: [198.18.1.100/24]}
          local-addresses: [{address: 198.18.1.100, ports: "10000-60999"}]
          flow-table: {capacity: 1024}
        listeners:
          - {name: a, protocol: tcp, vip: 198.18.0.100, port: 80, mode: fullnat, group: web, timeouts: {idle: IDLE}}
        LISTENER_B
        backend-groups:
          - name: web
            scheduler: SCHED
            drain-timeout: 30
            PERSISTENCE
            backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
          - name: other
            scheduler: rr
            drain-timeout: 5
            backends: [{address: 198.18.1.21, port: 80}]
        """;

    private final CountersManager manager = new CountersManager(new UnsafeBuffer(new byte[1 << 20]),
        new UnsafeBuffer(new byte[1 << 18]));
    private L4Binding binding;

    @AfterEach
    void tearDown() {
        if (binding != null) {
            binding.close();
        }
    }

    private static FulcrumConfig config(final String scheduler, final int idleS, final String listenerB,
                                        final String persistence) throws Exception {
        return ConfigLoader.parse(BASE.replace("SCHED", scheduler).replace("IDLE", Integer.toString(idleS))
            .replace("LISTENER_B", listenerB.isEmpty() ? "" : "  - " + listenerB)
            .replace("PERSISTENCE", persistence), "live.yaml");
    }

    private static FulcrumConfig config(final String scheduler, final int idleS, final String listenerB) throws Exception {
        return config(scheduler, idleS, listenerB, "");
    }

    private List<String> labels() {
        final List<String> labels = new ArrayList<>();
        manager.forEach((value, id, label) -> labels.add(label));
        return labels;
    }

    private L4Snapshot snapshot() {
        return binding.runtime().snapshot();
    }

    private void apply(final FulcrumConfig from, final FulcrumConfig to) throws Exception {
        final RuntimeStep step = binding.step();
        assertThat(step.check(from, to, null)).isEmpty();
        step.apply(from, to, null);
    }

    @Test
    void listenersAreAddedUpdatedAndRemovedLive() throws Exception {
        final FulcrumConfig one = config("rr", 900, "");
        binding = L4Binding.create(one, null, manager, 0);
        assertThat(snapshot().lookup(VIP, 81, Listener.TCP)).isNull();
        assertThat(snapshot().groupCount()).isEqualTo(1);

        // add b on a new port of the same VIP, with a group no packet listener used before
        final String b = "{name: b, protocol: tcp, vip: 198.18.0.100, port: 81, mode: fullnat, group: other}";
        final FulcrumConfig two = config("rr", 900, b);
        apply(one, two);
        final Listener added = snapshot().lookup(VIP, 81, Listener.TCP);
        assertThat(added).isNotNull();
        assertThat(added.name()).isEqualTo("b");
        assertThat(snapshot().group(added.groupIndex()).configuration().name()).isEqualTo("other");
        assertThat(snapshot().trafficCounters().listener(1, added.id())).isNotNull();
        assertThat(labels()).contains("agent-1 listener b conns", "agent-0 backend other/198.18.1.21:80 conns");
        assertThat(binding.hasGroup("other")).isTrue();

        // a's idle timeout changes: same id, new timeouts for its flows
        final int aId = binding.listenerId("a");
        final FulcrumConfig longer = config("rr", 1800, b);
        apply(two, longer);
        final Listener a = snapshot().lookup(VIP, 80, Listener.TCP);
        assertThat(a.id()).isEqualTo(aId);
        assertThat(a.timeouts().tcpTimeoutMs(TcpState.ESTABLISHED)).isEqualTo(1_800_000);

        // remove b: not found any more, still reachable by id (closed) until freed
        final long before = System.nanoTime() / 1_000_000L;
        apply(longer, config("rr", 1800, ""));
        final long after = System.nanoTime() / 1_000_000L;
        assertThat(snapshot().lookup(VIP, 81, Listener.TCP)).isNull();
        final Listener closed = snapshot().listener(added.id());
        assertThat(closed.open()).isFalse();
        assertThat(closed.closeDeadlineMs()).isBetween(before + 5_000, after + 5_000);
        assertThat(binding.hasGroup("other")).isFalse();
        assertThat(snapshot().lookup(VIP, 80, Listener.TCP).id()).isEqualTo(aId);
        binding.tick(after + 5_000);
        assertThat(snapshot().listener(added.id())).isNotNull();
        // freed once its flows' longest timeout (TCP established, default 900 s) is over, counters after the grace
        final long freeAt = after + 5_000 + 900_000 + L4Binding.CLOSED_LISTENER_GRACE_MS;
        binding.tick(freeAt);
        assertThat(snapshot().listener(added.id())).isNull();
        assertThat(labels()).contains("agent-0 listener b conns");
        binding.tick(freeAt + L4Binding.RETIRE_GRACE_MS);
        assertThat(labels()).noneMatch(l -> l.contains("listener b "));

        // b comes back: it reuses the free id, and the group "other" takes its old index back
        apply(config("rr", 1800, ""), config("rr", 1800, b));
        assertThat(snapshot().lookup(VIP, 81, Listener.TCP).id()).isEqualTo(added.id());
        assertThat(snapshot().lookup(VIP, 81, Listener.TCP).groupIndex()).isEqualTo(added.groupIndex());
        assertThat(snapshot().groupCount()).isEqualTo(2);
    }

    @Test
    void movingAListenerToAnotherAddressClosesTheOldOneAndOpensANewId() throws Exception {
        final FulcrumConfig first = config("rr", 900, "");
        binding = L4Binding.create(first, null, manager, 0);
        final int oldId = binding.listenerId("a");
        final FulcrumConfig moved = ConfigLoader.parse(BASE.replace("SCHED", "rr").replace("IDLE", "900")
            .replace("LISTENER_B", "").replace("PERSISTENCE", "").replace("vip: 198.18.0.100", "vip: 198.18.0.101"),
            "moved.yaml");
        apply(first, moved);
        assertThat(snapshot().lookup(VIP, 80, Listener.TCP)).isNull();
        final Listener now = snapshot().lookup(VIP + 1, 80, Listener.TCP);
        assertThat(now.id()).isNotEqualTo(oldId);
        assertThat(snapshot().listener(oldId).open()).isFalse();
        // the closed listener's VIP still steers its flows' packets to their agent
        assertThat(snapshot().isVip(VIP)).isTrue();
    }

    @Test
    void schedulerChangeKeepsTheGroupIndexRefsAndConnectionCounts() throws Exception {
        final FulcrumConfig rr = config("rr", 900, "");
        binding = L4Binding.create(rr, null, manager, 0);
        final BackendGroup before = snapshot().group(0);
        final int ref = before.snapshot().ref(0);
        before.scheduler().connectionOpened(0, ref);
        apply(rr, config("wlc", 900, ""));
        final BackendGroup after = snapshot().group(0);
        assertThat(after).isNotSameAs(before);
        assertThat(after.scheduler().algorithm()).isEqualTo(SchedulerAlgorithm.WLC);
        assertThat(after.snapshot().ref(0)).isEqualTo(ref);
        assertThat(after.snapshot().admitsExisting(ref)).isTrue();
        assertThat(after.scheduler().activeConnections(ref)).isEqualTo(1);
        assertThat(snapshot().lookup(VIP, 80, Listener.TCP).groupIndex()).isZero();
        // backends still change on the new group
        final FulcrumConfig oneBackend = ConfigLoader.parse(BASE.replace("SCHED", "wlc").replace("IDLE", "900")
            .replace("LISTENER_B", "").replace("PERSISTENCE", "")
            .replace("[{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]",
                "[{address: 198.18.1.12, port: 80}]"), "one.yaml");
        apply(config("wlc", 900, ""), oneBackend);
        assertThat(snapshot().group(0).snapshot().isEligible(ref)).isFalse();
        assertThat(snapshot().group(0).snapshot().admitsExisting(ref)).isTrue();
        // rolling back restores the old settings
        binding.step().rollback(rr, oneBackend, null);
        assertThat(snapshot().group(0).scheduler().algorithm()).isEqualTo(SchedulerAlgorithm.RR);
    }

    @Test
    void whatCannotChangeLiveIsRefusedWithTheReason() throws Exception {
        final FulcrumConfig plain = config("rr", 900, "");
        binding = L4Binding.create(plain, null, manager, 0);
        final FulcrumConfig persistent = config("rr", 900, "", "persistence: {type: source-ip, timeout: 60}");
        assertThat(binding.step().check(plain, persistent, null)).get().asString()
            .contains("backend-groups[web].persistence").contains("restart");
        binding.everyFrameIo(false);
        final FulcrumConfig dnat = config("rr", 900,
            "{name: d, protocol: udp, vip: 198.18.0.100, port: 53, mode: dnat, group: web}");
        assertThat(binding.step().check(plain, dnat, null)).get().asString()
            .contains("listeners[d].mode").contains("af_packet");
        binding.everyFrameIo(true);
        assertThat(binding.step().check(plain, dnat, null)).isEmpty();
    }

    @Test
    void persistenceTimeoutChangesLiveWhenTheTableExists() throws Exception {
        final FulcrumConfig sixty = config("rr", 900, "", "persistence: {type: source-ip, timeout: 60}");
        binding = L4Binding.create(sixty, null, manager, 0);
        assertThat(snapshot().lookup(VIP, 80, Listener.TCP).persistenceTimeoutMs()).isEqualTo(60_000);
        final FulcrumConfig longer = config("rr", 900, "", "persistence: {type: source-ip, timeout: 600}");
        apply(sixty, longer);
        assertThat(snapshot().lookup(VIP, 80, Listener.TCP).persistenceTimeoutMs()).isEqualTo(600_000);
        apply(longer, config("rr", 900, ""));
        assertThat(snapshot().lookup(VIP, 80, Listener.TCP).persistenceTimeoutMs()).isZero();
    }
}
