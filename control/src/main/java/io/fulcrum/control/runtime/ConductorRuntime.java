package io.fulcrum.control.runtime;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.BackendGroupConfig;
import io.fulcrum.common.config.FeatureGate;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.HealthCheckConfig;
import io.fulcrum.common.config.ListenerConfig;

/**
 * The {@link NodeRuntime} a node's conductor owns. It keeps the running configuration, refuses changes the
 * running node cannot make (the {@code node}, {@code dataplane} and {@code control} sections are read at start
 * only), and applies the rest through the registered {@link RuntimeStep}s, all or nothing.
 *
 * <p>Wiring: the conductor creates it with the startup configuration, its gate and a {@link DataplaneState},
 * then {@link #register}s one step per part that acts on listeners and groups (the L4 forwarder's snapshot
 * publisher, the health checker, the L7 stage) before the control plane starts. {@link #apply} is called on the
 * control thread only; {@link #current}, {@link #status} may be called from any thread.
 */
public final class ConductorRuntime implements NodeRuntime {
    private static final List<String> RESTART_SECTIONS = List.of("node", "dataplane", "control");

    private final FeatureGate gate;
    private final DataplaneState state;
    private final List<RuntimeStep> steps = new CopyOnWriteArrayList<>();
    private final PrintStream log;
    private volatile FulcrumConfig current;
    private volatile long generation;

    /**
     * @param initial the configuration the node started with (already validated by the loader)
     * @param gate    the features this node acts on
     * @param state   health and traffic of the running objects
     * @param log     where applied and failed changes are reported
     */
    public ConductorRuntime(final FulcrumConfig initial, final FeatureGate gate, final DataplaneState state,
                            final PrintStream log) {
        this.current = initial;
        this.gate = gate;
        this.state = state;
        this.log = log;
    }

    /** Adds a step; steps apply in registration order and roll back in reverse. Call before the control plane starts. */
    public ConductorRuntime register(final RuntimeStep step) {
        steps.add(step);
        return this;
    }

    @Override
    public FulcrumConfig current() {
        return current;
    }

    @Override
    public FeatureGate gate() {
        return gate;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public synchronized ApplyResult apply(final FulcrumConfig candidate, final Caller caller) {
        final FulcrumConfig from = current;
        final FulcrumConfig next;
        try {
            next = ConfigValidation.validate(candidate, gate);
        } catch (final ConfigRefusedException e) {
            return ApplyResult.refused(e.getMessage(), ConfigDiff.between(from, candidate), generation);
        }
        final ConfigDiff diff = ConfigDiff.between(from, next);
        if (diff.isEmpty()) {
            return ApplyResult.applied(diff, generation);
        }
        final List<String> restart = new ArrayList<>();
        for (final String section : RESTART_SECTIONS) {
            if (!diff.of(section).isEmpty()) {
                restart.add(section + ": changes to the " + section + " section take effect on restart only (fulcrum run); "
                    + "change the file and restart, or leave " + section + " as it is running"
                    + (section.equals("dataplane") && !ownedAddresses(from).equals(ownedAddresses(next))
                    ? "; dataplane.interfaces[].addresses are the addresses the agents answer ARP for and the AF_XDP "
                    + "program redirects, fixed at start: a listener on a new VIP address needs a restart, one on an "
                    + "address the node already owns is added live" : ""));
            }
        }
        if (!restart.isEmpty()) {
            return ApplyResult.refused(String.join("\n", restart), diff, generation);
        }
        for (final RuntimeStep step : steps) {
            final Optional<String> refusal = step.check(from, next, diff);
            if (refusal.isPresent()) {
                return ApplyResult.refused(refusal.get(), diff, generation);
            }
        }
        final List<RuntimeStep> done = new ArrayList<>();
        for (final RuntimeStep step : steps) {
            try {
                step.apply(from, next, diff);
                done.add(step);
            } catch (final Exception | Error e) {
                for (int i = done.size() - 1; i >= 0; i--) {
                    try {
                        done.get(i).rollback(from, next, diff);
                    } catch (final RuntimeException rollbackFailure) {
                        log.println("fulcrum: control: rollback of " + done.get(i).name() + " failed: " + rollbackFailure);
                    }
                }
                final String reason = step.name() + " failed: " + e.getMessage() + "; rolled back "
                    + (done.isEmpty() ? "nothing (first step)" : done.stream().map(RuntimeStep::name).toList());
                log.println("fulcrum: control: change from " + caller + " failed: " + reason);
                return ApplyResult.failed(reason, diff, generation);
            }
        }
        current = next;
        generation++;
        log.println("fulcrum: control: generation " + generation + " applied for " + caller + " (" + diff.changes().size()
            + " change(s))");
        return ApplyResult.applied(diff, generation);
    }

    private static List<Integer> ownedAddresses(final FulcrumConfig config) {
        return config.dataplane().interfaces().stream().flatMap(i -> i.addresses().stream())
            .map(a -> a.address()).sorted().toList();
    }

    @Override
    public StatusView status() {
        final FulcrumConfig config = current;
        state.refresh();
        final List<StatusView.ListenerStatus> listeners = new ArrayList<>();
        for (final ListenerConfig l : config.listeners()) {
            listeners.add(new StatusView.ListenerStatus(l.name(), l.protocol().token(), l.vip().toString(), l.port(),
                l.mode().token(), l.group().orElse(""), state.listenerStats(l.name())));
        }
        final List<StatusView.GroupStatus> groups = new ArrayList<>();
        for (final BackendGroupConfig g : config.backendGroups()) {
            final boolean checked = g.healthCheck().map(HealthCheckConfig::enabled).orElse(false);
            final List<StatusView.BackendStatus> backends = new ArrayList<>();
            int healthy = 0;
            for (final BackendConfig b : g.backends()) {
                final BackendHealth health = checked ? state.health(g.name(), b) : BackendHealth.UNCHECKED;
                healthy += health.countsAsHealthy() ? 1 : 0;
                backends.add(new StatusView.BackendStatus(b.address().toString(), b.port(), b.weight(), b.backup(), health,
                    b.weight() == 0, state.backendStats(g.name(), b), checked ? state.healthDetail(g.name(), b) : ""));
            }
            groups.add(new StatusView.GroupStatus(g.name(), g.scheduler().token(), checked, healthy,
                backends.size() - healthy, backends));
        }
        return new StatusView(config.node().name(), generation, listeners, groups);
    }

    /** The data plane view this runtime reads health and traffic from. */
    public DataplaneState dataplaneState() {
        return state;
    }
}
