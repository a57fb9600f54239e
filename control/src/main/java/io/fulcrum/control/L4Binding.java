package io.fulcrum.control;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.fulcrum.control.runtime.BackendHealth;
import io.fulcrum.control.runtime.ConfigDiff;
import io.fulcrum.control.runtime.RuntimeStep;
import io.fulcrum.scheduler.health.HealthState;
import io.fulcrum.scheduler.health.HealthStatus;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fulcrum.common.config.AclMode;
import io.fulcrum.common.config.Endpoint;
import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.BackendGroupConfig;
import io.fulcrum.common.config.DataplaneConfig;
import io.fulcrum.common.config.ForwardingMode;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.HealthCheckConfig;
import io.fulcrum.common.config.IpCidr;
import io.fulcrum.common.config.ListenerConfig;
import io.fulcrum.common.config.ListenerProtocol;
import io.fulcrum.common.config.LocalAddressConfig;
import io.fulcrum.common.config.PersistenceType;
import io.fulcrum.common.config.RouteConfig;
import io.fulcrum.conntrack.FlowDescriptor;
import io.fulcrum.conntrack.TcpState;
import io.fulcrum.conntrack.TimeoutProfile;
import io.fulcrum.forwarder.l4.AclTable;
import io.fulcrum.forwarder.l4.L4Runtime;
import io.fulcrum.forwarder.l4.L4Snapshot;
import io.fulcrum.forwarder.l4.L4TrafficCounters;
import io.fulcrum.forwarder.l4.Listener;
import io.fulcrum.forwarder.l4.TrafficCounters;
import io.fulcrum.forwarder.xmit.RouteTable;
import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.BackendGroupConfiguration;
import io.fulcrum.scheduler.BackendRole;
import io.fulcrum.scheduler.BackendSpec;
import io.fulcrum.scheduler.GroupSnapshot;
import io.fulcrum.scheduler.Layer;
import io.fulcrum.scheduler.NoBackendAction;
import io.fulcrum.scheduler.SchedulerAlgorithm;
import io.fulcrum.scheduler.health.HealthCheckConfiguration;
import io.fulcrum.scheduler.health.HealthCheckProtocol;
import io.fulcrum.scheduler.health.HealthChecker;
import io.fulcrum.scheduler.persistence.PersistenceTable;
import org.agrona.concurrent.status.CountersManager;

/**
 * Builds the L4 runtime from the configuration: backend groups (scheduler, one lane per agent), health checks
 * wired to the groups, the shared persistence table, listeners, routes and local addresses, and publishes the
 * first {@link L4Snapshot}. Group changes (health, drains) republish the snapshot so the agents re-resolve the
 * backends' next hops.
 *
 * <p>It also owns the per-agent {@link TrafficCounters} of every listener and every backend (labels
 * {@code agent-<id> listener <name> <metric>} and {@code agent-<id> backend <group>/<address:port> <metric>},
 * docs/metrics.md), allocated in the node's counters file here, off the hot path, and handed to the agents in each
 * snapshot. A backend added at runtime gets its counters right after the group takes it; a removed one keeps them
 * until its group frees its slot (drained), then they are freed after {@link #RETIRE_GRACE_MS}, when no agent can
 * still hold a snapshot that reaches them. Allocation and freeing happen under this object's lock.
 */
final class L4Binding implements AutoCloseable {
    /** Entries of the shared source-IP persistence table when a group uses it. */
    static final int PERSISTENCE_ENTRIES = 1 << 20;

    /** How often the groups' drain deadlines and slow-start steps are evaluated and published. */
    static final long TICK_INTERVAL_MS = 200;

    /** How long the counters of a drained backend outlive the last snapshot that held them. */
    static final long RETIRE_GRACE_MS = 2_000;

    private final L4Runtime runtime;
    private final List<BackendGroup> groups = new ArrayList<>();
    private final Map<String, GroupState> groupStates = new HashMap<>();
    private final Listener[] listeners;
    private final RouteTable routes;
    private HealthChecker healthChecker;
    private final PersistenceTable persistence;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread thread = new Thread(r, "fulcrum-l4-groups");
        thread.setDaemon(true);
        return thread;
    });
    private final CountersManager countersManager;
    private final int agents;
    private final TrafficCounters[][] listenerTraffic;
    private final GroupState[] groupsByIndex;
    private final List<Retired> retired = new ArrayList<>();
    private long version = 1;

    /** Counters of a backend whose slot the group freed, waiting for {@link #RETIRE_GRACE_MS}. */
    private record Retired(TrafficCounters[] perAgent, long retiredAtMs) {
    }

    /** What the binding knows of one backend group: its config and the ref of every backend (by address:port). */
    private static final class GroupState {
        private final BackendGroup group;
        private final int index;
        private BackendGroupConfig config;
        private final Map<String, Integer> refs = new HashMap<>();
        /** Per-agent counters of each backend ref, draining ones included. */
        private final Map<Integer, TrafficCounters[]> traffic = new HashMap<>();

        GroupState(final BackendGroup group, final int index, final BackendGroupConfig config) {
            this.group = group;
            this.index = index;
            this.config = config;
        }
    }

    private L4Binding(final L4Runtime runtime, final Listener[] listeners, final RouteTable routes,
                      final HealthChecker healthChecker, final PersistenceTable persistence, final List<BackendGroup> groups,
                      final CountersManager countersManager) {
        this.runtime = runtime;
        this.listeners = listeners;
        this.routes = routes;
        this.healthChecker = healthChecker;
        this.persistence = persistence;
        this.groups.addAll(groups);
        this.countersManager = countersManager;
        this.agents = runtime.agents();
        this.listenerTraffic = new TrafficCounters[agents][listeners.length];
        this.groupsByIndex = new GroupState[groups.size()];
    }

    /**
     * Builds everything for {@code config}.
     *
     * @param flowTableDirectory where agents map their flow entries (for {@code fulcrum conns}).
     * @param countersManager    the node's counters, where the per-listener and per-backend traffic counters go
     *                           (null: none).
     */
    static L4Binding build(final FulcrumConfig config, final Path flowTableDirectory, final CountersManager countersManager,
                           final long nowMs) {
        final L4Binding binding = create(config, flowTableDirectory, countersManager, nowMs);
        binding.ticker.scheduleWithFixedDelay(binding::tick, TICK_INTERVAL_MS, TICK_INTERVAL_MS, TimeUnit.MILLISECONDS);
        return binding;
    }

    /** Builds everything for {@code config} without the ticker (tests call {@link #tick(long)} themselves). */
    static L4Binding create(final FulcrumConfig config, final Path flowTableDirectory, final CountersManager countersManager,
                            final long nowMs) {
        final DataplaneConfig dataplane = config.dataplane();
        final int agents = dataplane.agents();
        final Map<String, Integer> groupIndex = new HashMap<>();
        final List<BackendGroup> groups = new ArrayList<>();
        final List<BackendGroupConfig> groupConfigs = new ArrayList<>();
        boolean persistenceUsed = false;
        boolean healthUsed = false;
        final Set<String> used = usedGroups(config);
        for (final BackendGroupConfig g : config.backendGroups()) {
            if (!used.contains(g.name())) {
                continue; // a group of L7 or proxy-mode listeners only: the L7 stage schedules and checks it
            }
            final boolean checked = g.healthCheck().map(HealthCheckConfig::enabled).orElse(false);
            final BackendGroupConfiguration configuration = new BackendGroupConfiguration(g.name(), Layer.L4,
                SchedulerAlgorithm.valueOf(g.scheduler().name()), agents, BackendGroupConfiguration.DEFAULT_CAPACITY,
                g.maglevTableSize(), g.slowStartSeconds(), g.drainTimeoutSeconds(),
                NoBackendAction.parse(g.allDown().token()), checked);
            final BackendGroup group = new BackendGroup(configuration, nowMs);
            groupIndex.put(g.name(), groups.size());
            groups.add(group);
            groupConfigs.add(g);
            persistenceUsed |= g.persistence().map(p -> p.type() == PersistenceType.SOURCE_IP).orElse(false);
            healthUsed |= checked;
        }
        final PersistenceTable persistence = persistenceUsed ? new PersistenceTable(PERSISTENCE_ENTRIES, agents, true) : null;
        final HealthChecker checker = healthUsed ? new HealthChecker("fulcrum-health", 2, System.nanoTime()) : null;
        final List<Listener> listeners = new ArrayList<>();
        for (final ListenerConfig l : config.listeners()) {
            if (!l.protocol().isL4() || l.mode() == ForwardingMode.PROXY || l.group().isEmpty()) {
                continue;
            }
            final int gi = groupIndex.get(l.group().get());
            final BackendGroupConfig g = groupConfigs.get(gi);
            final boolean tcp = l.protocol() == ListenerProtocol.TCP;
            final TimeoutProfile.Builder timeouts = TimeoutProfile.builder()
                .resetOnIdleExpiry(l.timeouts().resetOnExpiry());
            if (tcp) {
                timeouts.tcpTimeoutS(TcpState.ESTABLISHED, l.timeouts().idleSeconds());
            } else {
                timeouts.udpTimeoutS(l.timeouts().idleSeconds());
            }
            final long persistenceMs = g.persistence().filter(p -> p.type() == PersistenceType.SOURCE_IP)
                .map(p -> p.timeoutSeconds() * 1000L).orElse(0L);
            listeners.add(new Listener(listeners.size(), l.name(), tcp ? Listener.TCP : Listener.UDP, l.vip().ipv4(), l.port(),
                l.mode() == ForwardingMode.DNAT ? FlowDescriptor.NAT_DNAT : FlowDescriptor.NAT_FULLNAT, gi, acl(l),
                tcp && l.mode() == ForwardingMode.FULLNAT && l.toa().enabled() ? l.toa().kind() : -1, timeouts.build(),
                persistenceMs));
        }
        final List<RouteTable.Route> routeList = new ArrayList<>();
        for (final RouteConfig r : dataplane.routes()) {
            int port = 0;
            for (int i = 0; i < dataplane.interfaces().size(); i++) {
                if (dataplane.interfaces().get(i).name().equals(r.interfaceName())) {
                    port = i;
                }
            }
            routeList.add(new RouteTable.Route(r.prefix().network(), r.prefix().prefixLength(), r.via(), port));
        }
        final List<L4Runtime.LocalAddress> locals = new ArrayList<>();
        for (final LocalAddressConfig a : dataplane.localAddresses()) {
            locals.add(new L4Runtime.LocalAddress(a.address(), a.ports().first(), a.ports().last()));
        }
        final L4Runtime runtime = new L4Runtime(agents, dataplane.flowTable().capacity(), locals, persistence,
            flowTableDirectory);
        final L4Binding binding = new L4Binding(runtime, listeners.toArray(new Listener[0]),
            new RouteTable(routeList.toArray(new RouteTable.Route[0])), checker, persistence, groups, countersManager);
        try {
            binding.allocateListenerTraffic();
            for (int gi = 0; gi < groups.size(); gi++) {
                final GroupState state = new GroupState(groups.get(gi), gi, groupConfigs.get(gi));
                binding.groupStates.put(groupConfigs.get(gi).name(), state);
                binding.groupsByIndex[gi] = state;
                for (final BackendConfig b : groupConfigs.get(gi).backends()) {
                    binding.addBackend(state, b, nowMs);
                }
            }
        } catch (final RuntimeException e) {
            binding.close();
            throw e;
        }
        binding.publish();
        for (final BackendGroup group : groups) {
            // a group publishes while holding its own lock; republishing takes the binding's lock, which change() holds
            // while it calls into groups: so never republish on the group's thread, hand it to the binding's thread
            group.addListener(snapshot -> binding.publishSoon());
        }
        return binding;
    }

    private static String key(final BackendConfig b) {
        return b.address() + ":" + b.port();
    }

    private static long targetId(final GroupState state, final int ref) {
        return ((long) state.index << 32) | (ref & 0xffff_ffffL);
    }

    private void addBackend(final GroupState state, final BackendConfig b, final long nowMs) {
        final BackendSpec spec = new BackendSpec(inet(b.address().ipv4()), b.port(), b.weight(),
            b.backup() ? BackendRole.BACKUP : BackendRole.PRIMARY, 0);
        final int ref = state.group.add(spec, nowMs);
        state.refs.put(key(b), ref);
        allocateBackendTraffic(state, b, ref);
        watch(state, b, ref);
    }

    private synchronized void allocateListenerTraffic() {
        if (countersManager == null) {
            return;
        }
        for (int agent = 0; agent < agents; agent++) {
            for (final Listener listener : listeners) {
                listenerTraffic[agent][listener.id()] = TrafficCounters.listener(countersManager, agent, listener.id(),
                    listener.name());
            }
        }
    }

    /**
     * Allocates the per-agent counters of a backend the group just took and publishes them. Flows the agents open
     * to it before this publication are not counted on it (the flow remembers that, so no gauge goes below zero).
     */
    private synchronized void allocateBackendTraffic(final GroupState state, final BackendConfig b, final int ref) {
        if (countersManager == null) {
            return;
        }
        final String endpoint = new Endpoint(b.address(), b.port()).toString();
        final TrafficCounters[] perAgent = new TrafficCounters[agents];
        try {
            for (int agent = 0; agent < agents; agent++) {
                perAgent[agent] = TrafficCounters.backend(countersManager, agent, state.index, GroupSnapshot.slotOf(ref),
                    state.config.name(), endpoint);
            }
        } catch (final RuntimeException e) {
            for (final TrafficCounters c : perAgent) {
                if (c != null) {
                    c.close();
                }
            }
            throw e;
        }
        state.traffic.put(ref, perAgent);
        if (version > 1) {
            publish();
        }
    }

    /** Starts the health check of one backend when its group has one. */
    private void watch(final GroupState state, final BackendConfig b, final int ref) {
        final Optional<HealthCheckConfig> check = state.config.healthCheck().filter(HealthCheckConfig::enabled);
        if (check.isEmpty()) {
            return;
        }
        if (healthChecker == null) {
            healthChecker = new HealthChecker("fulcrum-health", 2, System.nanoTime());
        }
        final int port = check.get().port() > 0 ? check.get().port() : b.port();
        final BackendGroup group = state.group;
        healthChecker.addTarget(targetId(state, ref), inet(b.address().ipv4()), port, health(check.get()),
            (id, up, status) -> group.setHealthy(ref, up, System.nanoTime() / 1_000_000L));
    }

    private void unwatch(final GroupState state, final int ref) {
        if (healthChecker != null) {
            healthChecker.removeTarget(targetId(state, ref));
        }
    }

    /** Evaluates drain deadlines and slow-start steps; each group publishes (and so republishes the snapshot) on change. */
    private void tick() {
        tick(System.nanoTime() / 1_000_000L);
    }

    /** One tick at {@code nowMs}: group deadlines, then freeing the counters of backends retired long enough ago. */
    void tick(final long nowMs) {
        freeRetired(nowMs);
        for (final BackendGroup group : groups) {
            try {
                group.tick(nowMs);
            } catch (final RuntimeException e) {
                System.err.println("fulcrum: group tick failed: " + e);
            }
        }
    }

    /** Whether this binding schedules {@code groupName} (a group of packet-mode listeners). */
    boolean hasGroup(final String groupName) {
        return groupStates.containsKey(groupName);
    }

    /** The last health-check result and failure reason of one backend, "" when it is not checked (yet). */
    String healthDetail(final String groupName, final BackendConfig backend) {
        final GroupState state = groupStates.get(groupName);
        final Integer ref = state == null ? null : state.refs.get(key(backend));
        final HealthStatus status = ref == null || healthChecker == null ? null : healthChecker.status(targetId(state, ref));
        return HealthDetails.describe(status);
    }

    /** The health of one backend as the control plane shows it. */
    BackendHealth health(final String groupName, final BackendConfig backend) {
        final GroupState state = groupStates.get(groupName);
        if (state == null || state.config.healthCheck().filter(HealthCheckConfig::enabled).isEmpty()) {
            return BackendHealth.UNCHECKED;
        }
        final Integer ref = state.refs.get(key(backend));
        if (ref == null || healthChecker == null) {
            return BackendHealth.PENDING;
        }
        final HealthStatus status = healthChecker.status(targetId(state, ref));
        if (status == null || status.state() == HealthState.UNKNOWN) {
            return BackendHealth.PENDING;
        }
        return status.up() ? BackendHealth.HEALTHY : BackendHealth.UNHEALTHY;
    }

    /**
     * The live-change step for the control plane: backends (add, remove with draining, weight) and health-check
     * settings change without touching established flows; everything else about packet-mode listeners and groups
     * is refused with the reason, because it is not hitless in this build.
     */
    RuntimeStep step() {
        return new RuntimeStep() {
            @Override
            public String name() {
                return "l4-groups";
            }

            @Override
            public Optional<String> check(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
                return refusal(current, next);
            }

            @Override
            public void apply(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
                change(next);
            }

            @Override
            public void rollback(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
                change(current);
            }
        };
    }

    private static List<ListenerConfig> packetListeners(final FulcrumConfig config) {
        return config.listeners().stream().filter(l -> l.protocol().isL4() && l.mode() != ForwardingMode.PROXY).toList();
    }

    /** Whether {@code config} has tcp/udp listeners in fullnat or dnat mode (the packet path's listeners). */
    static boolean hasPacketListeners(final FulcrumConfig config) {
        return !packetListeners(config).isEmpty();
    }

    /** The backend groups the packet path's listeners use. */
    private static Set<String> usedGroups(final FulcrumConfig config) {
        final Set<String> used = new HashSet<>();
        packetListeners(config).forEach(l -> l.group().ifPresent(used::add));
        return used;
    }

    private Optional<String> refusal(final FulcrumConfig current, final FulcrumConfig next) {
        if (!packetListeners(current).equals(packetListeners(next))) {
            return Optional.of("listeners: adding, removing or changing packet-mode (fullnat/dnat) listeners needs a restart"
                + " in this build; backends, weights, draining and health checks change live");
        }
        final Map<String, BackendGroupConfig> nextGroups = new HashMap<>();
        final Set<String> used = usedGroups(next);
        next.backendGroups().stream().filter(g -> used.contains(g.name())).forEach(g -> nextGroups.put(g.name(), g));
        if (!nextGroups.keySet().equals(groupStates.keySet())) {
            return Optional.of("backend-groups: adding or removing backend groups needs a restart in this build");
        }
        for (final GroupState state : groupStates.values()) {
            final BackendGroupConfig now = state.config;
            final BackendGroupConfig then = nextGroups.get(now.name());
            final String field = now.scheduler() != then.scheduler() ? "scheduler"
                : now.maglevTableSize() != then.maglevTableSize() ? "maglev-table-size"
                : !now.persistence().equals(then.persistence()) ? "persistence"
                : now.drainTimeoutSeconds() != then.drainTimeoutSeconds() ? "drain-timeout"
                : now.slowStartSeconds() != then.slowStartSeconds() ? "slow-start"
                : now.allDown() != then.allDown() ? "all-down"
                : !now.outlierDetection().equals(then.outlierDetection()) ? "outlier-detection"
                : now.healthCheck().filter(HealthCheckConfig::enabled).isPresent()
                    != then.healthCheck().filter(HealthCheckConfig::enabled).isPresent() ? "health-check" : null;
            if (field != null) {
                return Optional.of("backend-groups[" + now.name() + "]." + field + ": changing it needs a restart in this"
                    + " build (backends, weights and health-check settings change live)");
            }
            final Map<String, BackendConfig> old = new HashMap<>();
            now.backends().forEach(b -> old.put(key(b), b));
            for (final BackendConfig b : then.backends()) {
                final BackendConfig before = old.get(key(b));
                if (before != null && before.backup() != b.backup()) {
                    return Optional.of("backend-groups[" + now.name() + "].backends[" + key(b) + "].backup: remove the"
                        + " backend and add it again to change its role");
                }
            }
        }
        return Optional.empty();
    }

    /** Moves every group to {@code target}'s backends, weights and health-check settings. */
    private synchronized void change(final FulcrumConfig target) {
        changeGroups(target);
        publish(); // the change is in the agents' snapshot when apply returns
    }

    private void changeGroups(final FulcrumConfig target) {
        final long nowMs = System.nanoTime() / 1_000_000L;
        for (final BackendGroupConfig wanted : target.backendGroups()) {
            final GroupState state = groupStates.get(wanted.name());
            if (state == null) {
                continue;
            }
            final boolean checksChanged = !state.config.healthCheck().equals(wanted.healthCheck());
            final Map<String, BackendConfig> wantedByKey = new HashMap<>();
            wanted.backends().forEach(b -> wantedByKey.put(key(b), b));
            final Map<String, BackendConfig> haveByKey = new HashMap<>();
            state.config.backends().forEach(b -> haveByKey.put(key(b), b));
            for (final Map.Entry<String, BackendConfig> have : haveByKey.entrySet()) {
                if (!wantedByKey.containsKey(have.getKey())) {
                    final int ref = state.refs.remove(have.getKey());
                    unwatch(state, ref);
                    state.group.remove(ref, nowMs); // drains for the group's drain-timeout
                }
            }
            state.config = wanted;
            for (final BackendConfig b : wanted.backends()) {
                final BackendConfig before = haveByKey.get(key(b));
                if (before == null) {
                    addBackend(state, b, nowMs);
                } else {
                    final int ref = state.refs.get(key(b));
                    if (before.weight() != b.weight()) {
                        state.group.setWeight(ref, b.weight(), nowMs);
                    }
                    if (checksChanged) {
                        unwatch(state, ref);
                        watch(state, b, ref);
                    }
                }
            }
        }
    }

    private static HealthCheckConfiguration health(final HealthCheckConfig h) {
        int classes = 0;
        for (final int c : h.expectedStatusClasses()) {
            classes |= 1 << c;
        }
        return new HealthCheckConfiguration(HealthCheckProtocol.valueOf(h.type().name()), h.intervalSeconds(),
            h.timeoutSeconds(), h.healthyThreshold(), h.unhealthyThreshold(), h.method().name(), h.path(),
            h.host().orElse(null), classes == 0 ? HealthCheckConfiguration.CLASS_2XX | HealthCheckConfiguration.CLASS_3XX
                : classes,
            h.udpRequest().map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(null),
            h.udpExpect().map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(null), true, null);
    }

    private static AclTable acl(final ListenerConfig l) {
        if (l.acl() == null || l.acl().mode() == AclMode.OFF) {
            return null;
        }
        final List<IpCidr> v4 = l.acl().cidrs().stream().filter(c -> c.address().isIpv4()).toList();
        final int[] networks = new int[v4.size()];
        final int[] prefixes = new int[v4.size()];
        for (int i = 0; i < networks.length; i++) {
            networks[i] = v4.get(i).address().ipv4();
            prefixes[i] = v4.get(i).prefixLength();
        }
        return AclTable.of(l.acl().mode() == AclMode.ALLOW ? AclTable.Mode.ALLOW : AclTable.Mode.DENY, networks, prefixes);
    }

    static InetAddress inet(final int ipv4) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8),
                (byte) ipv4});
        } catch (final UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Publishes a snapshot with the current groups (called again whenever a group publishes). */
    /** Republishes on the binding's own thread (called from group listeners, under a group's lock). */
    private void publishSoon() {
        try {
            ticker.execute(this::publish);
        } catch (final java.util.concurrent.RejectedExecutionException closing) {
            // the binding is closing: nothing to publish to
        }
    }

    synchronized void publish() {
        runtime.publish(L4Snapshot.of(version++, listeners, groups.toArray(new BackendGroup[0]), routes, traffic()));
    }

    /**
     * The counters for the next snapshot: every listener, and every backend in its group's current snapshot. The
     * counters of backends whose slot the group freed (removed and drained) are retired here.
     */
    private L4TrafficCounters traffic() {
        if (countersManager == null) {
            return null;
        }
        final TrafficCounters[][][] backends = new TrafficCounters[agents][groupsByIndex.length][];
        final int[][] refs = new int[groupsByIndex.length][];
        final long nowMs = System.nanoTime() / 1_000_000L;
        for (int gi = 0; gi < groupsByIndex.length; gi++) {
            final GroupState state = groupsByIndex[gi];
            final GroupSnapshot snapshot = groups.get(gi).snapshot();
            refs[gi] = new int[snapshot.capacity()];
            for (int agent = 0; agent < agents; agent++) {
                backends[agent][gi] = new TrafficCounters[snapshot.capacity()];
            }
            if (state == null) {
                continue;
            }
            for (int slot = 0; slot < snapshot.capacity(); slot++) {
                final TrafficCounters[] perAgent = snapshot.ref(slot) == 0 ? null : state.traffic.get(snapshot.ref(slot));
                if (perAgent != null) {
                    refs[gi][slot] = snapshot.ref(slot);
                    for (int agent = 0; agent < agents; agent++) {
                        backends[agent][gi][slot] = perAgent[agent];
                    }
                }
            }
            state.traffic.entrySet().removeIf(e -> {
                final int slot = GroupSnapshot.slotOf(e.getKey());
                if (slot < snapshot.capacity() && snapshot.ref(slot) == e.getKey()) {
                    return false;
                }
                retired.add(new Retired(e.getValue(), nowMs));
                return true;
            });
        }
        return new L4TrafficCounters(listenerTraffic, backends, refs);
    }

    /** Frees the counters of drained backends once no agent can still reach them. */
    private synchronized void freeRetired(final long nowMs) {
        retired.removeIf(r -> {
            if (nowMs - r.retiredAtMs() < RETIRE_GRACE_MS) {
                return false;
            }
            for (final TrafficCounters c : r.perAgent()) {
                c.close();
            }
            return true;
        });
    }

    /** The per-agent counters of backend {@code address:port} of {@code group}, or null (tests). */
    synchronized TrafficCounters[] backendTraffic(final String group, final String endpoint) {
        final GroupState state = groupStates.get(group);
        final Integer ref = state == null ? null : state.refs.get(endpoint);
        return ref == null ? null : state.traffic.get(ref);
    }

    /** Counters of removed backends not freed yet (tests). */
    synchronized int retiredCount() {
        return retired.size();
    }

    L4Runtime runtime() {
        return runtime;
    }

    int listenerCount() {
        return listeners.length;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        if (healthChecker != null) {
            healthChecker.close();
        }
        runtime.close();
        if (persistence != null) {
            persistence.close();
        }
    }
}
