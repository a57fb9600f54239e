package io.fulcrum.control;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p><b>Live changes</b> ({@link #step()}): listeners are added, changed and removed, and groups added, removed and
 * reconfigured, by publishing a new snapshot; no agent stops. A listener keeps its id while its VIP, port,
 * protocol, mode and group stay; other settings (timeouts, ACL, TOA, persistence timeout) reach its next flows.
 * A removed listener, or one whose VIP, port, protocol, mode or group changed (that is a new listener under a new
 * id), is <em>closed</em>: no new flows, and its flows keep their backend for the group's {@code drain-timeout},
 * then are reset on their next packet, the way a removed backend drains. Its id and counters are freed once no
 * flow can be left ({@link #closedFreeAtMs}). A group's new settings (scheduler, Maglev size, slow start, drain,
 * all-down, health checking) take effect through {@link BackendGroup#reconfigured}, which keeps backends, refs and
 * connection counts, so established flows keep their backend. A group no packet listener uses any more drains its
 * backends and stays at its index (the same name added again takes it back).
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

    /** Margin past a closed listener's last possible flow expiry (the agents' expiry runs in duty cycles). */
    static final long CLOSED_LISTENER_GRACE_MS = 10_000;

    private final L4Runtime runtime;
    /** Every group the snapshot holds, by group index: live ones and ones no listener uses any more. */
    private final List<BackendGroup> groups = new ArrayList<>();
    /** Groups packet listeners use, by name (read by the status page's threads). */
    private final Map<String, GroupState> groupStates = new ConcurrentHashMap<>();
    /** Groups no packet listener uses any more, by name: their backends drain, their index stays. */
    private final Map<String, GroupState> unusedGroups = new HashMap<>();
    private final List<GroupState> groupsByIndex = new ArrayList<>();
    /** The snapshot's listeners by id; null for free ids. */
    private final List<Listener> listeners = new ArrayList<>();
    /** Open listeners: name to id and configuration. */
    private final Map<String, Integer> listenerIds = new HashMap<>();
    private final Map<String, ListenerConfig> listenerConfigs = new HashMap<>();
    /** Closed listeners: id to the time their id and counters are freed. */
    private final Map<Integer, Long> closedFreeAtMs = new HashMap<>();
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
    /** Per agent, per listener id. */
    private final List<TrafficCounters[]> listenerTraffic = new ArrayList<>();
    private final List<Retired> retired = new ArrayList<>();
    private volatile boolean everyFrameIo = true;
    private long version = 1;

    /** Counters of a backend whose slot the group freed, waiting for {@link #RETIRE_GRACE_MS}. */
    private record Retired(TrafficCounters[] perAgent, long retiredAtMs) {
    }

    /** What the binding knows of one backend group: its config and the ref of every backend (by address:port). */
    private static final class GroupState {
        private volatile BackendGroup group;
        private final int index;
        private volatile BackendGroupConfig config;
        private final Map<String, Integer> refs = new ConcurrentHashMap<>();
        /** The configuration of each backend in {@link #refs}. */
        private final Map<String, BackendConfig> backends = new ConcurrentHashMap<>();
        /** Per-agent counters of each backend ref, draining ones included. */
        private final Map<Integer, TrafficCounters[]> traffic = new HashMap<>();

        GroupState(final BackendGroup group, final int index, final BackendGroupConfig config) {
            this.group = group;
            this.index = index;
            this.config = config;
        }
    }

    private L4Binding(final L4Runtime runtime, final RouteTable routes, final HealthChecker healthChecker,
                      final PersistenceTable persistence, final CountersManager countersManager) {
        this.runtime = runtime;
        this.routes = routes;
        this.healthChecker = healthChecker;
        this.persistence = persistence;
        this.countersManager = countersManager;
        this.agents = runtime.agents();
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
        final Set<String> used = usedGroups(config);
        final boolean persistenceUsed = config.backendGroups().stream().filter(g -> used.contains(g.name()))
            .anyMatch(L4Binding::sourceIpPersistence);
        final boolean healthUsed = config.backendGroups().stream().filter(g -> used.contains(g.name()))
            .anyMatch(L4Binding::checked);
        final PersistenceTable persistence = persistenceUsed
            ? new PersistenceTable(PERSISTENCE_ENTRIES, dataplane.agents(), true) : null;
        final HealthChecker checker = healthUsed ? new HealthChecker("fulcrum-health", 2, System.nanoTime()) : null;
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
        final L4Runtime runtime = new L4Runtime(dataplane.agents(), dataplane.flowTable().capacity(), locals, persistence,
            flowTableDirectory);
        final L4Binding binding = new L4Binding(runtime, new RouteTable(routeList.toArray(new RouteTable.Route[0])), checker,
            persistence, countersManager);
        try {
            binding.initialize(config, nowMs);
        } catch (final RuntimeException e) {
            binding.close();
            throw e;
        }
        return binding;
    }

    /** The first groups and listeners and the first snapshot, under the lock the groups' republishing takes. */
    private synchronized void initialize(final FulcrumConfig config, final long nowMs) {
        changeGroups(config, nowMs);
        changeListeners(config, nowMs);
        publish();
    }

    private static boolean checked(final BackendGroupConfig g) {
        return g.healthCheck().map(HealthCheckConfig::enabled).orElse(false);
    }

    private static boolean sourceIpPersistence(final BackendGroupConfig g) {
        return g.persistence().map(p -> p.type() == PersistenceType.SOURCE_IP).orElse(false);
    }

    private BackendGroupConfiguration configuration(final BackendGroupConfig g) {
        return new BackendGroupConfiguration(g.name(), Layer.L4, SchedulerAlgorithm.valueOf(g.scheduler().name()), agents,
            BackendGroupConfiguration.DEFAULT_CAPACITY, g.maglevTableSize(), g.slowStartSeconds(), g.drainTimeoutSeconds(),
            NoBackendAction.parse(g.allDown().token()), checked(g));
    }

    /** Puts {@code group} at {@code index} of the snapshot's groups and republishes whenever it publishes. */
    private void install(final int index, final BackendGroup group) {
        if (index == groups.size()) {
            groups.add(group);
        } else {
            groups.set(index, group);
        }
        // a group publishes while holding its own lock; republishing takes the binding's lock, which change() holds
        // while it calls into groups: so never republish on the group's thread, hand it to the binding's thread
        group.addListener(snapshot -> publishSoon());
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
        state.backends.put(key(b), b);
        allocateBackendTraffic(state, b, ref);
        watch(state, b, ref);
    }

    private void removeBackend(final GroupState state, final String key, final long nowMs) {
        final int ref = state.refs.remove(key);
        state.backends.remove(key);
        unwatch(state, ref);
        state.group.remove(ref, nowMs); // drains for the group's drain-timeout
    }

    /** Allocates the per-agent counters of listener {@code id}. */
    private void allocateListenerTraffic(final int id, final String name) {
        if (countersManager == null) {
            return;
        }
        final TrafficCounters[] perAgent = new TrafficCounters[agents];
        try {
            for (int agent = 0; agent < agents; agent++) {
                perAgent[agent] = TrafficCounters.listener(countersManager, agent, id, name);
            }
        } catch (final RuntimeException e) {
            closeAll(perAgent);
            throw e;
        }
        while (listenerTraffic.size() <= id) {
            listenerTraffic.add(null);
        }
        listenerTraffic.set(id, perAgent);
    }

    private static void closeAll(final TrafficCounters[] perAgent) {
        for (final TrafficCounters c : perAgent) {
            if (c != null) {
                c.close();
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
            closeAll(perAgent);
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
        // the group is read at each result: a reconfigured group replaces it (and the old one forwards anyway)
        healthChecker.addTarget(targetId(state, ref), inet(b.address().ipv4()), port, health(check.get()),
            (id, up, status) -> state.group.setHealthy(ref, up, System.nanoTime() / 1_000_000L));
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

    /**
     * One tick at {@code nowMs}: group deadlines, freeing the counters of backends retired long enough ago, and
     * the ids of closed listeners no flow can still use.
     */
    synchronized void tick(final long nowMs) {
        freeRetired(nowMs);
        for (final BackendGroup group : groups) {
            try {
                group.tick(nowMs);
            } catch (final RuntimeException e) {
                System.err.println("fulcrum: group tick failed: " + e);
            }
        }
        final List<Integer> free = closedFreeAtMs.entrySet().stream().filter(e -> e.getValue() <= nowMs)
            .map(Map.Entry::getKey).toList();
        if (!free.isEmpty()) {
            for (final int id : free) {
                closedFreeAtMs.remove(id);
                listeners.set(id, null);
            }
            publish();
            for (final int id : free) {
                // no snapshot from now on reaches them; agents still on an older one are gone within the grace
                final TrafficCounters[] perAgent = id < listenerTraffic.size() ? listenerTraffic.set(id, null) : null;
                if (perAgent != null) {
                    retired.add(new Retired(perAgent, nowMs));
                }
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
     * Tells the binding whether the node's packet I/O takes every frame (AF_PACKET, true) or only frames for its own
     * addresses (the AF_XDP redirect program): DNAT listeners need every frame, so they cannot be added live to an
     * AF_XDP node.
     */
    void everyFrameIo(final boolean everyFrame) {
        this.everyFrameIo = everyFrame;
    }

    /**
     * The live-change step for the control plane: listeners, groups, backends, weights, draining and health checks
     * change without stopping an agent (see the class comment); what cannot change while running is refused with the
     * reason. A failed apply restores the running configuration before it returns.
     */
    RuntimeStep step() {
        return new RuntimeStep() {
            @Override
            public String name() {
                return "l4-listeners-and-groups";
            }

            @Override
            public Optional<String> check(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
                return refusal(next);
            }

            @Override
            public void apply(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
                try {
                    change(next);
                } catch (final RuntimeException e) {
                    try {
                        change(current);
                    } catch (final RuntimeException restore) {
                        e.addSuppressed(restore);
                    }
                    throw e;
                }
            }

            @Override
            public void rollback(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
                change(current);
            }
        };
    }

    private static List<ListenerConfig> packetListeners(final FulcrumConfig config) {
        return config.listeners().stream().filter(l -> l.protocol().isL4() && l.mode() != ForwardingMode.PROXY
            && l.group().isPresent()).toList();
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

    /** Why {@code next} cannot be applied live, or empty. */
    private synchronized Optional<String> refusal(final FulcrumConfig next) {
        final Set<String> used = usedGroups(next);
        final List<String> reasons = new ArrayList<>();
        for (final BackendGroupConfig then : next.backendGroups()) {
            if (!used.contains(then.name())) {
                continue;
            }
            if (persistence == null && sourceIpPersistence(then)) {
                reasons.add("backend-groups[" + then.name() + "].persistence: source-ip persistence needs the shared "
                    + "persistence table, which is allocated at start only when a packet-mode group uses it; restart to turn"
                    + " it on (changing its timeout on a group that has it is live)");
            }
            final GroupState state = groupStates.get(then.name());
            if (state == null) {
                continue;
            }
            for (final BackendConfig b : then.backends()) {
                final BackendConfig before = state.backends.get(key(b));
                if (before != null && before.backup() != b.backup()) {
                    reasons.add("backend-groups[" + then.name() + "].backends[" + key(b) + "].backup: remove the"
                        + " backend and add it again to change its role");
                }
            }
        }
        if (!everyFrameIo) {
            for (final ListenerConfig l : packetListeners(next)) {
                final ListenerConfig before = listenerConfigs.get(l.name());
                if (l.mode() == ForwardingMode.DNAT && (before == null || before.mode() != ForwardingMode.DNAT)) {
                    reasons.add("listeners[" + l.name() + "].mode: dnat listeners need io: af_packet (DNAT replies are "
                        + "addressed to clients, and this node's AF_XDP redirect program only takes frames for its own "
                        + "addresses); the node runs AF_XDP, so this needs a restart with io: af_packet");
                }
            }
        }
        return reasons.isEmpty() ? Optional.empty() : Optional.of(String.join("\n", reasons));
    }

    /** Moves listeners and groups to {@code target} and publishes the result. */
    private synchronized void change(final FulcrumConfig target) {
        final long nowMs = System.nanoTime() / 1_000_000L;
        changeGroups(target, nowMs);
        changeListeners(target, nowMs);
        publish(); // the change is in the agents' snapshot when apply returns
    }

    /** Adds, reconfigures and retires groups, and moves each used group to its backends, weights and checks. */
    private void changeGroups(final FulcrumConfig target, final long nowMs) {
        final Set<String> used = usedGroups(target);
        for (final String name : List.copyOf(groupStates.keySet())) {
            if (!used.contains(name)) {
                final GroupState state = groupStates.remove(name);
                for (final String key : List.copyOf(state.refs.keySet())) {
                    removeBackend(state, key, nowMs);
                }
                unusedGroups.put(name, state);
            }
        }
        for (final BackendGroupConfig wanted : target.backendGroups()) {
            if (!used.contains(wanted.name())) {
                continue; // a group of L7 or proxy-mode listeners only: the L7 stage schedules and checks it
            }
            GroupState state = groupStates.get(wanted.name());
            if (state == null) {
                state = unusedGroups.remove(wanted.name());
                if (state != null) {
                    groupStates.put(wanted.name(), state);
                }
            }
            final BackendGroupConfiguration configuration = configuration(wanted);
            if (state == null) {
                final int index = groups.size();
                final BackendGroup group = new BackendGroup(configuration, nowMs);
                state = new GroupState(group, index, wanted);
                install(index, group);
                groupsByIndex.add(state);
                groupStates.put(wanted.name(), state);
            } else if (!state.group.configuration().equals(configuration)) {
                final BackendGroup next = state.group.reconfigured(configuration, nowMs);
                install(state.index, next);
                state.group = next;
            }
            final boolean checksChanged = !state.config.healthCheck().equals(wanted.healthCheck());
            state.config = wanted;
            final Map<String, BackendConfig> wantedByKey = new HashMap<>();
            wanted.backends().forEach(b -> wantedByKey.put(key(b), b));
            for (final String have : List.copyOf(state.backends.keySet())) {
                if (!wantedByKey.containsKey(have)) {
                    removeBackend(state, have, nowMs);
                }
            }
            for (final BackendConfig b : wanted.backends()) {
                final BackendConfig before = state.backends.get(key(b));
                if (before == null) {
                    addBackend(state, b, nowMs);
                } else {
                    final int ref = state.refs.get(key(b));
                    if (before.weight() != b.weight()) {
                        state.group.setWeight(ref, b.weight(), nowMs);
                    }
                    state.backends.put(key(b), b);
                    if (checksChanged) {
                        unwatch(state, ref);
                        watch(state, b, ref); // restarts the check with the new settings (or leaves it off)
                    }
                }
            }
        }
    }

    /** Whether {@code a} and {@code b} are the same listener to the data path (same id, same flows). */
    private static boolean sameIdentity(final ListenerConfig a, final ListenerConfig b) {
        return a.protocol() == b.protocol() && a.vip().equals(b.vip()) && a.port() == b.port() && a.mode() == b.mode()
            && a.group().equals(b.group());
    }

    /** Opens, updates and closes listeners; groups are already at {@code target}. */
    private void changeListeners(final FulcrumConfig target, final long nowMs) {
        final Map<String, ListenerConfig> wanted = new HashMap<>();
        packetListeners(target).forEach(l -> wanted.put(l.name(), l));
        for (final String name : List.copyOf(listenerIds.keySet())) {
            final ListenerConfig want = wanted.get(name);
            if (want == null || !sameIdentity(listenerConfigs.get(name), want)) {
                close(name, nowMs);
            }
        }
        for (final ListenerConfig l : packetListeners(target)) {
            final Integer id = listenerIds.get(l.name());
            if (id != null) {
                listeners.set(id, listener(id, l));
                listenerConfigs.put(l.name(), l);
                continue;
            }
            int free = listeners.indexOf(null);
            if (free < 0) {
                free = listeners.size();
                listeners.add(null);
            }
            allocateListenerTraffic(free, l.name());
            listeners.set(free, listener(free, l));
            listenerIds.put(l.name(), free);
            listenerConfigs.put(l.name(), l);
        }
    }

    /** Closes listener {@code name}: no new flows; its flows are reset after its group's drain-timeout. */
    private void close(final String name, final long nowMs) {
        final int id = listenerIds.remove(name);
        listenerConfigs.remove(name);
        final Listener open = listeners.get(id);
        final GroupState state = groupsByIndex.get(open.groupIndex());
        final long deadlineMs = nowMs + state.config.drainTimeoutSeconds() * 1000L;
        listeners.set(id, open.closed(deadlineMs));
        long longestMs = 0;
        for (int tcpState = 0; tcpState < TcpState.COUNT; tcpState++) {
            longestMs = Math.max(longestMs, open.timeouts().timeoutMs(open.protocol(), tcpState));
        }
        // a flow idle at the deadline expires within its longest timeout; one with traffic after it is reset then
        closedFreeAtMs.put(id, deadlineMs + longestMs + CLOSED_LISTENER_GRACE_MS);
    }

    private Listener listener(final int id, final ListenerConfig l) {
        final GroupState state = groupStates.get(l.group().get());
        final BackendGroupConfig g = state.config;
        final boolean tcp = l.protocol() == ListenerProtocol.TCP;
        final TimeoutProfile.Builder timeouts = TimeoutProfile.builder().resetOnIdleExpiry(l.timeouts().resetOnExpiry());
        if (tcp) {
            timeouts.tcpTimeoutS(TcpState.ESTABLISHED, l.timeouts().idleSeconds());
        } else {
            timeouts.udpTimeoutS(l.timeouts().idleSeconds());
        }
        final long persistenceMs = g.persistence().filter(p -> p.type() == PersistenceType.SOURCE_IP)
            .map(p -> p.timeoutSeconds() * 1000L).orElse(0L);
        return new Listener(id, l.name(), tcp ? Listener.TCP : Listener.UDP, l.vip().ipv4(), l.port(),
            l.mode() == ForwardingMode.DNAT ? FlowDescriptor.NAT_DNAT : FlowDescriptor.NAT_FULLNAT, state.index, acl(l),
            tcp && l.mode() == ForwardingMode.FULLNAT && l.toa().enabled() ? l.toa().kind() : -1, timeouts.build(),
            persistenceMs);
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

    /** Republishes on the binding's own thread (called from group listeners, under a group's lock). */
    private void publishSoon() {
        try {
            ticker.execute(this::publish);
        } catch (final java.util.concurrent.RejectedExecutionException closing) {
            // the binding is closing: nothing to publish to
        }
    }

    synchronized void publish() {
        runtime.publish(L4Snapshot.of(version++, listeners.toArray(new Listener[0]), groups.toArray(new BackendGroup[0]),
            routes, traffic()));
    }

    /**
     * The counters for the next snapshot: every listener, and every backend in its group's current snapshot. The
     * counters of backends whose slot the group freed (removed and drained) are retired here.
     */
    private L4TrafficCounters traffic() {
        if (countersManager == null) {
            return null;
        }
        final TrafficCounters[][][] backends = new TrafficCounters[agents][groupsByIndex.size()][];
        final int[][] refs = new int[groupsByIndex.size()][];
        final long nowMs = System.nanoTime() / 1_000_000L;
        for (int gi = 0; gi < groupsByIndex.size(); gi++) {
            final GroupState state = groupsByIndex.get(gi);
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
        final TrafficCounters[][] byListener = new TrafficCounters[agents][listeners.size()];
        for (int id = 0; id < listeners.size() && id < listenerTraffic.size(); id++) {
            final TrafficCounters[] perAgent = listenerTraffic.get(id);
            for (int agent = 0; perAgent != null && agent < agents; agent++) {
                byListener[agent][id] = perAgent[agent];
            }
        }
        return new L4TrafficCounters(byListener, backends, refs);
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

    /** Number of open listeners. */
    synchronized int listenerCount() {
        return listenerIds.size();
    }

    /** The id of open listener {@code name}, or -1 (tests). */
    synchronized int listenerId(final String name) {
        return listenerIds.getOrDefault(name, -1);
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
