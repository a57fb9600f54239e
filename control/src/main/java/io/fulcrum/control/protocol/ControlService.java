package io.fulcrum.control.protocol;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import io.fulcrum.common.config.Endpoint;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.ListenerConfig;
import io.fulcrum.control.audit.AuditLog;
import io.fulcrum.control.config.ConfigEditor;
import io.fulcrum.control.config.ConfigTree;
import io.fulcrum.control.ipvs.IpvsadmCommand;
import io.fulcrum.control.ipvs.IpvsadmFormat;
import io.fulcrum.control.metrics.StatusFormat;
import io.fulcrum.control.runtime.ApplyResult;
import io.fulcrum.control.runtime.Caller;
import io.fulcrum.control.runtime.ConfigDiff;
import io.fulcrum.control.runtime.ConfigRefusedException;
import io.fulcrum.control.runtime.ConfigValidation;
import io.fulcrum.control.runtime.DataplaneState;
import io.fulcrum.control.runtime.NodeRuntime;
import io.fulcrum.control.runtime.ObjectStats;

/**
 * Executes control requests against a {@link NodeRuntime}: reads answer from the running state, changes are
 * built as a new configuration ({@link ConfigEditor}), validated with the file's rules, and applied atomically.
 * Every mutating request, refused ones included, is written to the {@link AuditLog} before it is answered.
 * Runs on the control thread; also used directly for SIGHUP reloads.
 */
public final class ControlService {
    private static final int DEFAULT_FLOW_LIMIT = 1000;
    /** Most flows one answer lists (about 100 bytes a line: well inside the largest control message). */
    static final int MAX_IPVSADM_FLOWS = 100_000;

    private final NodeRuntime runtime;
    private final DataplaneState state;
    private final Supplier<Map<String, ObjectStats>> rates;
    private final AuditLog audit;

    /**
     * @param runtime the node's runtime
     * @param state   health, traffic and flows
     * @param rates   the latest per-second rates
     * @param audit   the audit log
     */
    public ControlService(final NodeRuntime runtime, final DataplaneState state, final Supplier<Map<String, ObjectStats>> rates,
                          final AuditLog audit) {
        this.runtime = runtime;
        this.state = state;
        this.rates = rates;
        this.audit = audit;
    }

    /** A target for the audit log. */
    private record Target(String command, String type, String id) {
    }

    /** Executes one request. */
    public ControlResponse handle(final ControlRequest request) {
        final Caller caller = new Caller(request.uid(), request.pid(), "fulcrumctl");
        final List<String> a = request.args();
        final long id = request.correlationId();
        try {
            return switch (request.opcode()) {
                case STATUS -> ok(id, a.contains("json") ? StatusFormat.json(runtime.status(), rates.get())
                    : StatusFormat.text(runtime.status(), rates.get()));
                case STATS -> ok(id, stats());
                case CONNS -> conns(id, a);
                case GET_CONFIG -> ok(id, ConfigTree.toYaml(ConfigTree.of(runtime.current())));
                case APPLY -> apply(id, caller, a);
                case IPVSADM -> ipvsadm(id, caller, a);
                default -> mutate(id, caller, request.opcode(), a);
            };
        } catch (final IndexOutOfBoundsException e) {
            return new ControlResponse(id, ResponseStatus.ERROR, request.opcode().name().toLowerCase().replace('_', ' ')
                + ": missing arguments");
        }
    }

    /** Applies a configuration file (SIGHUP, apply -f): validate, diff, apply atomically, audit. */
    public ControlResponse applyFile(final long id, final Caller caller, final String text, final String fileName,
                                     final Path baseDir, final boolean dryRun) {
        final Target target = new Target(dryRun ? "apply --dry-run" : "apply", "config", fileName);
        final FulcrumConfig next;
        try {
            next = ConfigValidation.parseFile(text, fileName, baseDir, runtime.gate());
        } catch (final ConfigRefusedException e) {
            return refused(id, caller, target, e.getMessage(), ConfigDiff.NONE, !dryRun);
        }
        if (dryRun) {
            final ConfigDiff diff = ConfigDiff.between(runtime.current(), next);
            return ok(id, String.join("\n", new ApplyResult(ApplyResult.Outcome.APPLIED, "", diff, runtime.generation())
                .diffLines()) + "\n(dry run: nothing applied)\n");
        }
        return applyConfig(id, caller, target, next);
    }

    private ControlResponse apply(final long id, final Caller caller, final List<String> a) {
        return applyFile(id, caller, a.get(2), a.get(0), Path.of(a.get(1)), a.size() > 3 && "true".equals(a.get(3)));
    }

    private ControlResponse mutate(final long id, final Caller caller, final Opcode opcode, final List<String> a) {
        final Target target = target(opcode, a);
        final ConfigEditor editor = new ConfigEditor(runtime.current());
        try {
            final List<String> rest = a.size() > 1 ? a.subList(1, a.size()) : List.of();
            switch (opcode) {
                case ADD_LISTENER -> editor.addListener(a.get(0), rest);
                case UPDATE_LISTENER -> editor.updateListener(a.get(0), nonEmpty(rest));
                case REMOVE_LISTENER -> editor.removeListener(a.get(0));
                case ADD_GROUP -> editor.addGroup(a.get(0), rest);
                case UPDATE_GROUP -> editor.updateGroup(a.get(0), nonEmpty(rest));
                case REMOVE_GROUP -> editor.removeGroup(a.get(0));
                case ADD_BACKEND -> editor.addBackend(a.get(0), a.get(1), a.subList(2, a.size()));
                case UPDATE_BACKEND -> editor.updateBackend(a.get(0), a.get(1), nonEmpty(a.subList(2, a.size())));
                case REMOVE_BACKEND -> editor.removeBackend(a.get(0), a.get(1));
                case WEIGHT -> editor.weight(a.get(0), a.get(1), a.get(2));
                case DRAIN -> editor.drain(a.get(0), a.get(1));
                case HEALTH_CHECK -> editor.healthCheck(a.get(0), rest);
                default -> throw new IllegalStateException("not a mutating opcode: " + opcode);
            }
            return applyConfig(id, caller, target, ConfigValidation.validate(editor.tree(), runtime.gate()));
        } catch (final ConfigRefusedException e) {
            return refused(id, caller, target, e.getMessage(), ConfigDiff.NONE, true);
        } catch (final IndexOutOfBoundsException e) {
            return refused(id, caller, target, target.command() + ": missing arguments", ConfigDiff.NONE, true);
        }
    }

    private static List<String> nonEmpty(final List<String> settings) throws ConfigRefusedException {
        if (settings.isEmpty()) {
            throw new ConfigRefusedException("nothing to change: give settings as key=value");
        }
        return settings;
    }

    private ControlResponse applyConfig(final long id, final Caller caller, final Target target, final FulcrumConfig next) {
        final ApplyResult result = runtime.apply(next, caller);
        final String diffText = String.join("\n", result.diffLines()) + "\n";
        switch (result.outcome()) {
            case APPLIED -> {
                audit.record(caller, target.command(), target.type(), target.id(), "applied", "", result.generation(),
                    result.diff().changes());
                return ok(id, diffText + "applied, generation " + result.generation() + "\n");
            }
            case REFUSED -> {
                return refused(id, caller, target, result.reason(), result.diff(), true);
            }
            default -> {
                audit.record(caller, target.command(), target.type(), target.id(), "failed", result.reason(),
                    result.generation(), result.diff().changes());
                return new ControlResponse(id, ResponseStatus.FAILED, result.reason() + "\nnothing changed; the diff was:\n"
                    + diffText);
            }
        }
    }

    private ControlResponse refused(final long id, final Caller caller, final Target target, final String reason,
                                    final ConfigDiff diff, final boolean audited) {
        if (audited) {
            audit.record(caller, target.command(), target.type(), target.id(), "refused", reason, runtime.generation(),
                diff.changes());
        }
        return new ControlResponse(id, ResponseStatus.REFUSED, reason);
    }

    private static Target target(final Opcode opcode, final List<String> a) {
        final String first = a.isEmpty() ? "" : a.get(0);
        final String command = opcode.name().toLowerCase().replace('_', ' ');
        return switch (opcode) {
            case ADD_LISTENER, UPDATE_LISTENER, REMOVE_LISTENER -> new Target(command, "listener", first);
            case ADD_GROUP, UPDATE_GROUP, REMOVE_GROUP -> new Target(command, "backend-group", first);
            case HEALTH_CHECK -> new Target(command, "health-check", first);
            default -> new Target(command, "backend", first + "/" + (a.size() > 1 ? a.get(1) : ""));
        };
    }

    private String stats() {
        final Map<String, ObjectStats> r = rates.get();
        final var status = runtime.status();
        final StringBuilder sb = new StringBuilder();
        final ObjectStats node = r.getOrDefault("node", ObjectStats.ZERO);
        sb.append(String.format("%-40s %12s %12s %14s %14s%n", "OBJECT", "IN PKT/S", "OUT PKT/S", "IN BYTES/S", "OUT BYTES/S"));
        sb.append(String.format("%-40s %12d %12d %14d %14d%n", "node " + status.node(), node.packetsIn(), node.packetsOut(),
            node.bytesIn(), node.bytesOut()));
        sb.append('\n').append(String.format("%-40s %10s %8s %8s %8s %12s %12s%n", "OBJECT", "CONNS", "ACTIVE", "INACTIVE",
            "NEW/S", "IN PKT/S", "OUT PKT/S"));
        for (final var l : status.listeners()) {
            final ObjectStats rate = r.getOrDefault("listener " + l.name(), ObjectStats.ZERO);
            sb.append(String.format("%-40s %10d %8d %8d %8d %12d %12d%n", "listener " + l.name(), l.stats().connections(),
                l.stats().activeConnections(), l.stats().inactiveConnections(), rate.connections(), rate.packetsIn(),
                rate.packetsOut()));
        }
        for (final var g : status.groups()) {
            for (final var b : g.backends()) {
                final String key = "backend " + g.name() + "/" + b.endpoint();
                final ObjectStats rate = r.getOrDefault(key, ObjectStats.ZERO);
                sb.append(String.format("%-40s %10d %8d %8d %8d %12d %12d%n", key, b.stats().connections(),
                    b.stats().activeConnections(), b.stats().inactiveConnections(), rate.connections(), rate.packetsIn(),
                    rate.packetsOut()));
            }
        }
        return sb.toString();
    }

    private ControlResponse conns(final long id, final List<String> a) {
        final DataplaneState.FlowFilter filter = new DataplaneState.FlowFilter(arg(a, 0), arg(a, 1), arg(a, 2));
        int limit = DEFAULT_FLOW_LIMIT;
        if (!arg(a, 3).isEmpty()) {
            try {
                limit = Integer.parseInt(arg(a, 3));
            } catch (final NumberFormatException e) {
                return new ControlResponse(id, ResponseStatus.REFUSED, "limit: must be a number, got '" + arg(a, 3) + "'");
            }
            if (limit < 1 || limit > MAX_IPVSADM_FLOWS) {
                return new ControlResponse(id, ResponseStatus.REFUSED, "limit: must be 1.." + MAX_IPVSADM_FLOWS + ", got "
                    + limit + " (fulcrum conns on the node lists every flow)");
            }
        }
        final Optional<List<DataplaneState.FlowEntry>> flows;
        try {
            flows = state.flows(filter, limit);
        } catch (final IllegalArgumentException | java.io.UncheckedIOException e) {
            return new ControlResponse(id, ResponseStatus.REFUSED, e.getMessage());
        }
        if (flows.isEmpty()) {
            return new ControlResponse(id, ResponseStatus.REFUSED, "this node's data plane does not expose tracked flows "
                + "(no L4 listener stage in this build); use fulcrumctl stats for connection counts");
        }
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-3s %-6s %-11s %-22s %-22s %-22s %s%n", "pro", "expire", "state", "client", "virtual",
            "backend", "listener"));
        for (final DataplaneState.FlowEntry f : flows.get()) {
            sb.append(String.format("%-3s %02d:%02d  %-11s %-22s %-22s %-22s %s%n", f.protocol(), f.expiresSeconds() / 60,
                f.expiresSeconds() % 60, f.state(), f.client(), f.virtual(), f.backend(), f.listener()));
        }
        return ok(id, sb.toString());
    }

    private static String arg(final List<String> a, final int i) {
        return i < a.size() ? a.get(i) : "";
    }

    // ---------------------------------------------------------------- ipvsadm

    private ControlResponse ipvsadm(final long id, final Caller caller, final List<String> a) {
        final IpvsadmCommand cmd;
        try {
            cmd = IpvsadmCommand.parse(a);
        } catch (final IllegalArgumentException e) {
            return new ControlResponse(id, ResponseStatus.REFUSED, e.getMessage());
        }
        final FulcrumConfig config = runtime.current();
        if (cmd.isList()) {
            Optional<ListenerConfig> service = Optional.empty();
            if (!cmd.service().isEmpty()) {
                try {
                    service = Optional.of(findService(config, cmd));
                } catch (final ConfigRefusedException e) {
                    return new ControlResponse(id, ResponseStatus.REFUSED, e.getMessage());
                }
            }
            if (cmd.connections()) {
                final Optional<List<DataplaneState.FlowEntry>> flows;
                try {
                    flows = state.flows(DataplaneState.FlowFilter.ALL, MAX_IPVSADM_FLOWS + 1);
                } catch (final java.io.UncheckedIOException e) {
                    return new ControlResponse(id, ResponseStatus.REFUSED, e.getMessage());
                }
                return flows.map(f -> ok(id, f.size() <= MAX_IPVSADM_FLOWS ? IpvsadmFormat.connections(f)
                    : IpvsadmFormat.connections(f.subList(0, MAX_IPVSADM_FLOWS)) + "(the first " + MAX_IPVSADM_FLOWS
                        + " flows; fulcrum conns on the node lists every flow)\n")).orElseGet(() -> new ControlResponse(id,
                    ResponseStatus.REFUSED, "this node's data plane does not expose tracked flows (no L4 listener stage "
                    + "in this build)"));
            }
            final IpvsadmFormat.Kind kind = cmd.stats() ? IpvsadmFormat.Kind.STATS : cmd.rate() ? IpvsadmFormat.Kind.RATE
                : IpvsadmFormat.Kind.PLAIN;
            return ok(id, IpvsadmFormat.list(config, state, rates.get(), kind, cmd.exact(), service));
        }
        final Target target = new Target("ipvsadm " + String.join(" ", a), cmd.realServer().isEmpty() ? "listener"
            : "backend", cmd.service() + (cmd.realServer().isEmpty() ? "" : "/" + cmd.realServer()));
        try {
            final ConfigEditor editor = new ConfigEditor(config);
            ipvsadmEdit(config, editor, cmd);
            return applyConfig(id, caller, target, ConfigValidation.validate(editor.tree(), runtime.gate()));
        } catch (final ConfigRefusedException e) {
            return refused(id, caller, target, e.getMessage(), ConfigDiff.NONE, true);
        }
    }

    private static void ipvsadmEdit(final FulcrumConfig config, final ConfigEditor editor, final IpvsadmCommand cmd)
        throws ConfigRefusedException {
        if (cmd.service().isEmpty()) {
            throw new ConfigRefusedException("-" + cmd.command() + ": needs a service (-t or -u VIP:port)"
                + ("AEDaed".indexOf(cmd.command()) < 0 ? "; ipvsadm -" + cmd.command() + " is not supported by fulcrumctl" : ""));
        }
        if (cmd.forward() == 'g' || cmd.forward() == 'i') {
            throw new ConfigRefusedException("-" + cmd.forward() + ": Fulcrum forwards in fullnat or dnat mode, not by "
                + (cmd.forward() == 'g' ? "direct routing" : "IP-in-IP tunnelling") + "; use -m (dnat) or leave it out");
        }
        final String scheduler = cmd.scheduler();
        if (IpvsadmCommand.IPVS_ONLY_SCHEDULERS.contains(scheduler)) {
            throw new ConfigRefusedException("scheduler: '" + scheduler + "' is an IPVS scheduler Fulcrum does not have; "
                + "use rr, wrr, lc, wlc, sh or mh");
        }
        switch (cmd.command()) {
            case 'A' -> {
                final Endpoint vip = ConfigEditor.endpoint(cmd.service());
                if (serviceOf(config, cmd.protocol(), vip).isPresent()) {
                    throw new ConfigRefusedException("service " + cmd.protocol().toUpperCase() + " " + vip + " exists already");
                }
                final String name = serviceName(cmd.protocol(), vip);
                final List<String> groupSettings = new ArrayList<>();
                groupSettings.add("scheduler=" + (scheduler.isEmpty() ? IpvsadmCommand.DEFAULT_SCHEDULER : scheduler));
                cmd.persistent().ifPresent(t -> {
                    groupSettings.add("persistence.type=source-ip");
                    groupSettings.add("persistence.timeout=" + t);
                });
                editor.addGroup(name, groupSettings);
                final List<String> listener = new ArrayList<>(List.of("protocol=" + cmd.protocol(),
                    "vip=" + vip.address(), "port=" + vip.port(), "group=" + name));
                if (cmd.forward() == 'm') {
                    listener.add("mode=dnat");
                }
                editor.addListener(name, listener);
            }
            case 'E' -> {
                final ListenerConfig l = findService(config, cmd);
                final List<String> settings = new ArrayList<>();
                if (!scheduler.isEmpty()) {
                    settings.add("scheduler=" + scheduler);
                }
                cmd.persistent().ifPresent(t -> {
                    settings.add("persistence.type=source-ip");
                    settings.add("persistence.timeout=" + t);
                });
                if (settings.isEmpty()) {
                    throw new ConfigRefusedException("-E: nothing to change (give -s SCHEDULER or -p [TIMEOUT])");
                }
                editor.updateGroup(groupOf(l), settings);
            }
            case 'D' -> {
                final ListenerConfig l = findService(config, cmd);
                editor.removeListener(l.name());
                if (l.group().isPresent() && editor.usersOf(l.group().get()).isEmpty()) {
                    editor.removeGroup(l.group().get());
                }
            }
            case 'a', 'e', 'd' -> {
                final ListenerConfig l = findService(config, cmd);
                if (cmd.realServer().isEmpty()) {
                    throw new ConfigRefusedException("-" + cmd.command() + ": needs a real server (-r RIP:port)");
                }
                if (cmd.forward() == 'm' && l.mode() != io.fulcrum.common.config.ForwardingMode.DNAT) {
                    throw new ConfigRefusedException("-m: service " + new Endpoint(l.vip(), l.port()) + " forwards in "
                        + l.mode() + " mode; the forwarding mode belongs to the listener (update listener mode=dnat)");
                }
                final String group = groupOf(l);
                final String rip = cmd.realServer().indexOf(':') < 0 || cmd.realServer().startsWith("[")
                    && !cmd.realServer().contains("]:") ? withPort(cmd.realServer(), l.port()) : cmd.realServer();
                switch (cmd.command()) {
                    case 'a' -> editor.addBackend(group, rip, List.of("weight=" + (cmd.weight().isEmpty()
                        ? String.valueOf(IpvsadmCommand.DEFAULT_WEIGHT) : cmd.weight())));
                    case 'e' -> {
                        if (cmd.weight().isEmpty()) {
                            throw new ConfigRefusedException("-e: nothing to change (give -w WEIGHT)");
                        }
                        editor.weight(group, rip, cmd.weight());
                    }
                    default -> editor.removeBackend(group, rip);
                }
            }
            default -> throw new ConfigRefusedException("ipvsadm -" + cmd.command() + " is not supported by fulcrumctl "
                + "(supported: -A -E -D -a -e -d -L)");
        }
    }

    /** ipvsadm takes a real server without a port to mean the service's port. */
    private static String withPort(final String address, final int port) {
        return address.startsWith("[") ? address + ":" + port : address.indexOf(':') >= 0 ? "[" + address + "]:" + port
            : address + ":" + port;
    }

    private static String groupOf(final ListenerConfig l) throws ConfigRefusedException {
        return l.group().orElseThrow(() -> new ConfigRefusedException("listener '" + l.name() + "' has no backend group"));
    }

    /** The listener name ipvsadm -A gives a new service: {@code tcp-198.18.0.1-80}. */
    static String serviceName(final String protocol, final Endpoint vip) {
        return protocol + "-" + vip.address().toString().replace(':', '-') + "-" + vip.port();
    }

    private static ListenerConfig findService(final FulcrumConfig config, final IpvsadmCommand cmd)
        throws ConfigRefusedException {
        final Endpoint vip = ConfigEditor.endpoint(cmd.service());
        return serviceOf(config, cmd.protocol(), vip).orElseThrow(() -> new ConfigRefusedException("no service "
            + cmd.protocol().toUpperCase() + " " + vip + " (ipvsadm: Service not defined)"));
    }

    private static Optional<ListenerConfig> serviceOf(final FulcrumConfig config, final String protocol, final Endpoint vip) {
        return IpvsadmFormat.services(config).stream().filter(l -> l.protocol().token().equals(protocol)
            && l.vip().equals(vip.address()) && l.port() == vip.port()).findFirst();
    }

    private static ControlResponse ok(final long id, final String text) {
        return new ControlResponse(id, ResponseStatus.OK, text);
    }
}
