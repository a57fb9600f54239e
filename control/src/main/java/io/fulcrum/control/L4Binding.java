package io.fulcrum.control;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fulcrum.common.config.AclMode;
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
import io.fulcrum.forwarder.l4.Listener;
import io.fulcrum.forwarder.xmit.RouteTable;
import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.BackendGroupConfiguration;
import io.fulcrum.scheduler.BackendRole;
import io.fulcrum.scheduler.BackendSpec;
import io.fulcrum.scheduler.Layer;
import io.fulcrum.scheduler.NoBackendAction;
import io.fulcrum.scheduler.SchedulerAlgorithm;
import io.fulcrum.scheduler.health.HealthCheckConfiguration;
import io.fulcrum.scheduler.health.HealthCheckProtocol;
import io.fulcrum.scheduler.health.HealthChecker;
import io.fulcrum.scheduler.persistence.PersistenceTable;

/**
 * Builds the L4 runtime from the configuration: backend groups (scheduler, one lane per agent), health checks
 * wired to the groups, the shared persistence table, listeners, routes and local addresses, and publishes the
 * first {@link L4Snapshot}. Group changes (health, drains) republish the snapshot so the agents re-resolve the
 * backends' next hops. Conductor thread only.
 */
final class L4Binding implements AutoCloseable {
    /** Entries of the shared source-IP persistence table when a group uses it. */
    static final int PERSISTENCE_ENTRIES = 1 << 20;

    private final L4Runtime runtime;
    private final List<BackendGroup> groups = new ArrayList<>();
    private final Listener[] listeners;
    private final RouteTable routes;
    private final HealthChecker healthChecker;
    private final PersistenceTable persistence;
    private long version = 1;

    private L4Binding(final L4Runtime runtime, final Listener[] listeners, final RouteTable routes,
                      final HealthChecker healthChecker, final PersistenceTable persistence, final List<BackendGroup> groups) {
        this.runtime = runtime;
        this.listeners = listeners;
        this.routes = routes;
        this.healthChecker = healthChecker;
        this.persistence = persistence;
        this.groups.addAll(groups);
    }

    /**
     * Builds everything for {@code config}.
     *
     * @param flowTableDirectory where agents map their flow entries (for {@code fulcrum conns}).
     */
    static L4Binding build(final FulcrumConfig config, final Path flowTableDirectory, final long nowMs) {
        final DataplaneConfig dataplane = config.dataplane();
        final int agents = dataplane.agents();
        final Map<String, Integer> groupIndex = new HashMap<>();
        final List<BackendGroup> groups = new ArrayList<>();
        final List<BackendGroupConfig> groupConfigs = new ArrayList<>();
        boolean persistenceUsed = false;
        boolean healthUsed = false;
        for (final BackendGroupConfig g : config.backendGroups()) {
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
            new RouteTable(routeList.toArray(new RouteTable.Route[0])), checker, persistence, groups);
        try {
            for (int gi = 0; gi < groups.size(); gi++) {
                binding.addBackends(groups.get(gi), groupConfigs.get(gi), nowMs);
            }
        } catch (final RuntimeException e) {
            binding.close();
            throw e;
        }
        binding.publish();
        for (final BackendGroup group : groups) {
            group.addListener(snapshot -> binding.publish());
        }
        return binding;
    }

    private void addBackends(final BackendGroup group, final BackendGroupConfig config, final long nowMs) {
        final HealthCheckConfiguration health = config.healthCheck().filter(HealthCheckConfig::enabled)
            .map(L4Binding::health).orElse(null);
        for (final BackendConfig b : config.backends()) {
            final BackendSpec spec = new BackendSpec(inet(b.address().ipv4()), b.port(), b.weight(),
                b.backup() ? BackendRole.BACKUP : BackendRole.PRIMARY, 0);
            final int ref = group.add(spec, nowMs);
            if (health != null) {
                final int port = config.healthCheck().get().port() > 0 ? config.healthCheck().get().port() : b.port();
                healthChecker.addTarget(((long) groups.indexOf(group) << 32) | (ref & 0xffff_ffffL), spec.address(), port,
                    health, (id, up, status) -> group.setHealthy(ref, up, System.nanoTime() / 1_000_000L));
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
    synchronized void publish() {
        runtime.publish(L4Snapshot.of(version++, listeners, groups.toArray(new BackendGroup[0]), routes));
    }

    L4Runtime runtime() {
        return runtime;
    }

    int listenerCount() {
        return listeners.length;
    }

    @Override
    public void close() {
        if (healthChecker != null) {
            healthChecker.close();
        }
        runtime.close();
        if (persistence != null) {
            persistence.close();
        }
    }
}
