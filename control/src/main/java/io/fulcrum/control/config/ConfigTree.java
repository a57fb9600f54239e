package io.fulcrum.control.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.fulcrum.common.config.AccessLogConfig;
import io.fulcrum.common.config.AfPacketFanout;
import io.fulcrum.common.config.AfPacketVnetHeader;
import io.fulcrum.common.config.AclMode;
import io.fulcrum.common.config.AllDownAction;
import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.BackendGroupConfig;
import io.fulcrum.common.config.BackendProtocol;
import io.fulcrum.common.config.BackendTlsConfig;
import io.fulcrum.common.config.CertificateConfig;
import io.fulcrum.common.config.ControlConfig;
import io.fulcrum.common.config.DataplaneConfig;
import io.fulcrum.common.config.ForwardingMode;
import io.fulcrum.common.config.GzipConfig;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.HealthCheckConfig;
import io.fulcrum.common.config.HealthCheckMethod;
import io.fulcrum.common.config.HealthCheckType;
import io.fulcrum.common.config.IdleStrategyKind;
import io.fulcrum.common.config.InterfaceConfig;
import io.fulcrum.common.config.IoMode;
import io.fulcrum.common.config.Ipv4Address;
import io.fulcrum.common.config.ListenerConfig;
import io.fulcrum.common.config.ListenerProtocol;
import io.fulcrum.common.config.LocalAddressConfig;
import io.fulcrum.common.config.MacAddress;
import io.fulcrum.common.config.MtlsMode;
import io.fulcrum.common.config.PathMatch;
import io.fulcrum.common.config.PersistenceConfig;
import io.fulcrum.common.config.PersistenceType;
import io.fulcrum.common.config.ProxyProtocolVersion;
import io.fulcrum.common.config.RouteConfig;
import io.fulcrum.common.config.RuleConfig;
import io.fulcrum.common.config.SchedulerKind;
import io.fulcrum.common.config.StaticNeighbourConfig;
import io.fulcrum.common.config.TimeoutsConfig;
import io.fulcrum.common.config.TlsPolicy;
import io.fulcrum.common.config.XdpMode;
import io.fulcrum.common.config.ZeroCopyMode;

/**
 * A {@link FulcrumConfig} as the YAML tree of the configuration file: ordered maps ({@code Map<String, Object>}),
 * lists ({@code List<Object>}) and {@link Scalar} leaves. Only values that differ from the loader's defaults are
 * written, so the tree is what an operator would write by hand, and keys of features this build does not
 * support appear only when they are really used (the loader's feature gate refuses written keys).
 *
 * <p>Control commands edit this tree (a weight is a scalar at {@code backend-groups[i].backends[j].weight})
 * and hand the text to {@link io.fulcrum.common.config.ConfigLoader}: the result is validated by exactly the
 * rules of the configuration file. {@link #toYaml} of {@link #of} parses back to an equal configuration.
 */
public final class ConfigTree {
    /** Loader defaults the tree leaves out. */
    static final int DEFAULT_AGENTS = 1;
    static final int DEFAULT_BATCH = 64;
    static final int DEFAULT_RING = 2048;
    static final int DEFAULT_FRAME = 2048;
    static final int DEFAULT_GSO_RING = 256;
    static final int DEFAULT_REACHABLE_SECONDS = 300;
    static final int DEFAULT_FLOW_CAPACITY = 1 << 20;
    static final int DEFAULT_MAGLEV = 65537;
    static final int DEFAULT_WEIGHT = 100;
    static final int DEFAULT_DRAIN_SECONDS = 300;
    static final long DEFAULT_MAX_BODY = 10L << 30;
    static final long DEFAULT_LOG_BYTES = 100L << 20;
    static final int DEFAULT_LOG_FILES = 10;
    static final String DEFAULT_COOKIE = "FULCRUM_ID";

    /**
     * A YAML scalar: plain (integers, booleans, enum words) or double-quoted (every free-form string).
     *
     * @param text  the value
     * @param plain whether it is written without quotes
     */
    public record Scalar(String text, boolean plain) {
        /** A plain scalar. */
        public static Scalar plain(final Object value) {
            return new Scalar(String.valueOf(value), true);
        }

        /** A double-quoted string. */
        public static Scalar quoted(final String value) {
            return new Scalar(value, false);
        }

        /**
         * A value typed by an operator: integers and {@code true}/{@code false} stay plain so the loader reads
         * them as numbers and booleans; everything else is a quoted string (and refused where a number is due).
         */
        public static Scalar typed(final String value) {
            return value.matches("-?[0-9]{1,19}") || "true".equals(value) || "false".equals(value) ? plain(value)
                : quoted(value);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private ConfigTree() {
    }

    /** The tree of a whole configuration. */
    public static Map<String, Object> of(final FulcrumConfig config) {
        final Map<String, Object> root = new LinkedHashMap<>();
        final Map<String, Object> node = map(root, "node");
        node.put("name", str(config.node().name()));
        if (!config.node().runDir().equals(Path.of("/dev/shm/fulcrum-" + config.node().name()))) {
            node.put("run-dir", str(config.node().runDir().toString()));
        }
        root.put("dataplane", dataplane(config.dataplane()));
        if (!config.listeners().isEmpty()) {
            final List<Object> listeners = new ArrayList<>();
            config.listeners().forEach(l -> listeners.add(listener(l)));
            root.put("listeners", listeners);
        }
        if (!config.backendGroups().isEmpty()) {
            final List<Object> groups = new ArrayList<>();
            config.backendGroups().forEach(g -> groups.add(group(g)));
            root.put("backend-groups", groups);
        }
        final Map<String, Object> control = control(config.control(), config.node().runDir());
        if (!control.isEmpty()) {
            root.put("control", control);
        }
        return root;
    }

    private static Map<String, Object> dataplane(final DataplaneConfig d) {
        final Map<String, Object> m = new LinkedHashMap<>();
        putIf(m, "io", d.io(), IoMode.AUTO);
        putIf(m, "agents", d.agents(), DEFAULT_AGENTS);
        if (!d.cpus().isEmpty()) {
            m.put("cpus", plainList(d.cpus()));
        }
        putIf(m, "idle-strategy", d.idleStrategy(), IdleStrategyKind.BACKOFF);
        putIf(m, "realtime-priority", d.realtimePriority(), 0);
        putIf(m, "batch-size", d.batchSize(), DEFAULT_BATCH);
        putIf(m, "ring-size", d.ringSize(), DEFAULT_RING);
        putIf(m, "frame-size", d.frameSize(), DEFAULT_FRAME);
        if (d.io() != IoMode.AF_PACKET) {
            putIf(m, "xdp-mode", d.xdpMode(), XdpMode.AUTO);
            putIf(m, "zero-copy", d.zeroCopy(), ZeroCopyMode.AUTO);
        }
        if (d.io() != IoMode.AF_XDP) {
            putIf(m, "af-packet-fanout", d.afPacketFanout(), AfPacketFanout.OWNER);
            putIf(m, "af-packet-vnet-header", d.afPacketVnetHeader(), AfPacketVnetHeader.AUTO);
            if (d.afPacketVnetHeader() != AfPacketVnetHeader.OFF) {
                putIf(m, "af-packet-gso-ring-size", d.afPacketGsoRingSize(), DEFAULT_GSO_RING);
            }
        }
        final List<Object> interfaces = new ArrayList<>();
        for (final InterfaceConfig i : d.interfaces()) {
            final Map<String, Object> im = new LinkedHashMap<>();
            im.put("name", str(i.name()));
            im.put("addresses", stringList(i.addresses()));
            interfaces.add(im);
        }
        if (!interfaces.isEmpty()) {
            m.put("interfaces", interfaces); // left out: a node without packet-mode interfaces
        }
        final Map<String, Object> neighbours = new LinkedHashMap<>();
        putIf(neighbours, "reachable-time", d.neighbours().reachableTimeSeconds(), DEFAULT_REACHABLE_SECONDS);
        if (!d.neighbours().staticNeighbours().isEmpty()) {
            final List<Object> statics = new ArrayList<>();
            for (final StaticNeighbourConfig n : d.neighbours().staticNeighbours()) {
                final Map<String, Object> nm = new LinkedHashMap<>();
                nm.put("address", str(Ipv4Address.format(n.address())));
                nm.put("mac", str(MacAddress.format(n.mac())));
                nm.put("interface", str(n.interfaceName()));
                statics.add(nm);
            }
            neighbours.put("static", statics);
        }
        if (!neighbours.isEmpty()) {
            m.put("neighbours", neighbours);
        }
        if (!d.routes().isEmpty()) {
            final List<Object> routes = new ArrayList<>();
            for (final RouteConfig r : d.routes()) {
                final Map<String, Object> rm = new LinkedHashMap<>();
                rm.put("prefix", str(r.prefix().toString()));
                if (!r.isDirect()) {
                    rm.put("via", str(Ipv4Address.format(r.via())));
                }
                rm.put("interface", str(r.interfaceName()));
                routes.add(rm);
            }
            m.put("routes", routes);
        }
        if (!d.localAddresses().isEmpty()) {
            final List<Object> locals = new ArrayList<>();
            for (final LocalAddressConfig l : d.localAddresses()) {
                final Map<String, Object> lm = new LinkedHashMap<>();
                lm.put("address", str(Ipv4Address.format(l.address())));
                if (l.ports().first() != 1024 || l.ports().last() != 65535) {
                    lm.put("ports", str(l.ports().toString()));
                }
                locals.add(lm);
            }
            m.put("local-addresses", locals);
        }
        if (d.flowTable().capacity() != DEFAULT_FLOW_CAPACITY) {
            final Map<String, Object> flow = new LinkedHashMap<>();
            flow.put("capacity", Scalar.plain(d.flowTable().capacity()));
            m.put("flow-table", flow);
        }
        return m;
    }

    /** The tree of one listener. */
    public static Map<String, Object> listener(final ListenerConfig l) {
        final Map<String, Object> m = new LinkedHashMap<>();
        final ListenerProtocol p = l.protocol();
        m.put("name", str(l.name()));
        m.put("protocol", Scalar.plain(p));
        m.put("vip", str(l.vip().toString()));
        m.put("port", Scalar.plain(l.port()));
        if (p.isL4()) {
            putIf(m, "mode", l.mode(), ForwardingMode.FULLNAT);
        }
        l.group().ifPresent(g -> m.put("group", str(g)));
        l.redirectTo().ifPresent(r -> m.put("redirect-to", str(r)));
        if (l.acl().mode() != AclMode.OFF || !l.acl().cidrs().isEmpty()) {
            final Map<String, Object> acl = new LinkedHashMap<>();
            acl.put("mode", Scalar.plain(l.acl().mode()));
            if (!l.acl().cidrs().isEmpty()) {
                acl.put("cidrs", stringList(l.acl().cidrs()));
            }
            m.put("acl", acl);
        }
        if (p == ListenerProtocol.TCP && l.mode() == ForwardingMode.FULLNAT
            && (l.toa().enabled() || l.toa().kind() != 254 || l.toa().kindIpv6() != 253)) {
            final Map<String, Object> toa = new LinkedHashMap<>();
            toa.put("enabled", Scalar.plain(l.toa().enabled()));
            putIf(toa, "kind", l.toa().kind(), 254);
            putIf(toa, "kind-ipv6", l.toa().kindIpv6(), 253);
            m.put("toa", toa);
        }
        if (!p.isHttp()) {
            putIf(m, "proxy-protocol", l.proxyProtocol(), ProxyProtocolVersion.OFF);
        }
        final Map<String, Object> timeouts = timeouts(l.timeouts(), p, l.mode(), l.redirectTo().isPresent());
        if (!timeouts.isEmpty()) {
            m.put("timeouts", timeouts);
        }
        if (p.terminatesTls()) {
            final List<Object> certs = new ArrayList<>();
            for (final CertificateConfig c : l.certificates()) {
                final Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("cert", str(c.cert().toString()));
                cm.put("key", str(c.key().toString()));
                certs.add(cm);
            }
            m.put("certificates", certs);
            putIf(m, "tls-policy", l.tlsPolicy(), TlsPolicy.TLS_1_2);
            if (l.mtls().mode() != MtlsMode.OFF || l.mtls().ca().isPresent()) {
                final Map<String, Object> mtls = new LinkedHashMap<>();
                mtls.put("mode", Scalar.plain(l.mtls().mode()));
                l.mtls().ca().ifPresent(ca -> mtls.put("ca", str(ca.toString())));
                m.put("mtls", mtls);
            }
        }
        if (p == ListenerProtocol.HTTPS && !l.http2()) {
            m.put("http2", Scalar.plain(false));
        }
        if (p.isHttp()) {
            if (!l.rules().isEmpty()) {
                final List<Object> rules = new ArrayList<>();
                l.rules().forEach(r -> rules.add(rule(r)));
                m.put("rules", rules);
            }
            final Map<String, Object> headers = new LinkedHashMap<>();
            putIf(headers, "x-forwarded-for", l.headers().xForwardedFor(), true);
            putIf(headers, "x-real-ip", l.headers().xRealIp(), true);
            putIf(headers, "x-forwarded-proto", l.headers().xForwardedProto(), true);
            putIf(headers, "x-forwarded-port", l.headers().xForwardedPort(), true);
            putIf(headers, "x-forwarded-host", l.headers().xForwardedHost(), true);
            l.headers().nodeIdentityHeader().ifPresent(h -> headers.put("node-identity-header", str(h)));
            if (!headers.isEmpty()) {
                m.put("headers", headers);
            }
            if (l.maxBodyBytes() != DEFAULT_MAX_BODY) {
                m.put("max-body-bytes", Scalar.plain(l.maxBodyBytes()));
            }
            l.accessLog().ifPresent(a -> m.put("access-log", accessLog(a)));
            if (!l.gzip().equals(GzipConfig.OFF)) {
                m.put("gzip", gzip(l.gzip()));
            }
            if (!l.proxyProtocolFrom().isEmpty()) {
                final Map<String, Object> accept = new LinkedHashMap<>();
                accept.put("trusted-cidrs", stringList(l.proxyProtocolFrom()));
                m.put("accept-proxy-protocol", accept);
            }
        }
        return m;
    }

    private static Map<String, Object> gzip(final GzipConfig g) {
        final Map<String, Object> m = new LinkedHashMap<>();
        putIf(m, "enabled", g.enabled(), true);
        if (!g.types().equals(GzipConfig.DEFAULT_TYPES)) {
            m.put("types", stringList(g.types()));
        }
        putIf(m, "min-bytes", g.minBytes(), GzipConfig.OFF.minBytes());
        putIf(m, "level", g.level(), GzipConfig.OFF.level());
        return m;
    }

    private static Map<String, Object> timeouts(final TimeoutsConfig t, final ListenerProtocol p, final ForwardingMode mode,
                                                final boolean redirecting) {
        final Map<String, Object> m = new LinkedHashMap<>();
        if (redirecting) {
            return m;
        }
        final int idleDefault = switch (p) {
            case TCP, TLS -> 900;
            case UDP -> 90;
            case HTTP, HTTPS -> 60;
        };
        putIf(m, "idle", t.idleSeconds(), idleDefault);
        if (p.isHttp()) {
            putIf(m, "request", t.requestSeconds(), 60);
            putIf(m, "response", t.responseSeconds(), 60);
            putIf(m, "websocket-idle", t.websocketIdleSeconds(), 60);
        }
        if (!p.isL4() || p == ListenerProtocol.TCP && mode == ForwardingMode.PROXY) {
            putIf(m, "backend-connect", t.backendConnectSeconds(), 5);
        }
        if (p == ListenerProtocol.TCP) {
            putIf(m, "reset-on-expiry", t.resetOnExpiry(), true);
        }
        return m;
    }

    private static Map<String, Object> rule(final RuleConfig r) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", str(r.name()));
        r.host().ifPresent(h -> m.put("host", str(h)));
        r.path().ifPresent(p -> m.put("path", str(p)));
        if (r.path().isPresent()) {
            putIf(m, "path-match", r.pathMatch(), PathMatch.PREFIX);
        }
        r.group().ifPresent(g -> m.put("group", str(g)));
        r.redirectTo().ifPresent(g -> m.put("redirect-to", str(g)));
        return m;
    }

    private static Map<String, Object> accessLog(final AccessLogConfig a) {
        final Map<String, Object> m = new LinkedHashMap<>();
        putIf(m, "enabled", a.enabled(), true);
        m.put("path", str(a.path().toString()));
        if (!a.format().equals(AccessLogDefaults.FORMAT)) {
            m.put("format", str(a.format()));
        }
        if (a.maxFileBytes() != DEFAULT_LOG_BYTES) {
            m.put("max-file-bytes", Scalar.plain(a.maxFileBytes()));
        }
        putIf(m, "max-files", a.maxFiles(), DEFAULT_LOG_FILES);
        return m;
    }

    /** The tree of one backend group. */
    public static Map<String, Object> group(final BackendGroupConfig g) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", str(g.name()));
        putIf(m, "scheduler", g.scheduler(), SchedulerKind.WRR);
        final boolean hashing = g.scheduler() == SchedulerKind.SH || g.scheduler() == SchedulerKind.MH;
        if (hashing) {
            putIf(m, "maglev-table-size", g.maglevTableSize(), DEFAULT_MAGLEV);
        }
        final List<Object> backends = new ArrayList<>();
        g.backends().forEach(b -> backends.add(backend(b)));
        m.put("backends", backends);
        g.healthCheck().ifPresent(h -> m.put("health-check", healthCheck(h)));
        g.persistence().ifPresent(p -> m.put("persistence", persistence(p)));
        putIf(m, "drain-timeout", g.drainTimeoutSeconds(), DEFAULT_DRAIN_SECONDS);
        if (!hashing) {
            putIf(m, "slow-start", g.slowStartSeconds(), 0);
        }
        putIf(m, "all-down", g.allDown(), AllDownAction.RESET);
        g.outlierDetection().ifPresent(o -> {
            final Map<String, Object> om = new LinkedHashMap<>();
            om.put("consecutive-failures", Scalar.plain(o.consecutiveFailures()));
            om.put("interval", Scalar.plain(o.intervalSeconds()));
            om.put("ejection-time", Scalar.plain(o.ejectionSeconds()));
            om.put("max-ejection-percent", Scalar.plain(o.maxEjectionPercent()));
            m.put("outlier-detection", om);
        });
        if (g.protocol() == BackendProtocol.HTTPS) {
            m.put("protocol", Scalar.plain(g.protocol()));
            final BackendTlsConfig t = g.tls();
            if (!t.equals(BackendTlsConfig.DEFAULT)) {
                final Map<String, Object> tm = new LinkedHashMap<>();
                putIf(tm, "verify", t.verify(), true);
                t.ca().ifPresent(ca -> tm.put("ca", str(ca.toString())));
                t.serverName().ifPresent(name -> tm.put("server-name", str(name)));
                m.put("tls", tm);
            }
        }
        return m;
    }

    /** The tree of one backend. */
    public static Map<String, Object> backend(final BackendConfig b) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", str(b.address().toString()));
        m.put("port", Scalar.plain(b.port()));
        putIf(m, "weight", b.weight(), DEFAULT_WEIGHT);
        putIf(m, "backup", b.backup(), false);
        return m;
    }

    /** The tree of one health check. */
    public static Map<String, Object> healthCheck(final HealthCheckConfig h) {
        final Map<String, Object> m = new LinkedHashMap<>();
        putIf(m, "enabled", h.enabled(), true);
        m.put("type", Scalar.plain(h.type()));
        putIf(m, "interval", h.intervalSeconds(), 5);
        putIf(m, "timeout", h.timeoutSeconds(), Math.min(3, h.intervalSeconds()));
        putIf(m, "healthy-threshold", h.healthyThreshold(), 3);
        putIf(m, "unhealthy-threshold", h.unhealthyThreshold(), 3);
        putIf(m, "port", h.port(), 0);
        if (h.type() == HealthCheckType.HTTP || h.type() == HealthCheckType.HTTPS) {
            putIf(m, "method", h.method(), HealthCheckMethod.GET);
            if (!"/".equals(h.path())) {
                m.put("path", str(h.path()));
            }
            h.host().ifPresent(host -> m.put("host", str(host)));
            if (!h.expectedStatusClasses().equals(Set.of(2, 3))) {
                final List<Object> codes = new ArrayList<>();
                new TreeSet<>(h.expectedStatusClasses()).forEach(c -> codes.add(str(c + "xx")));
                m.put("expected-codes", codes);
            }
        }
        if (h.type() == HealthCheckType.UDP) {
            h.udpRequest().ifPresent(r -> m.put("request", str(r)));
            h.udpExpect().ifPresent(r -> m.put("expect", str(r)));
        }
        return m;
    }

    private static Map<String, Object> persistence(final PersistenceConfig p) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", Scalar.plain(p.type()));
        putIf(m, "timeout", p.timeoutSeconds(), 1200);
        final Optional<String> cookie = p.cookieName();
        if (p.type() == PersistenceType.APP_COOKIE
            || p.type() == PersistenceType.INSERT && cookie.isPresent() && !cookie.get().equals(DEFAULT_COOKIE)) {
            cookie.ifPresent(c -> m.put("cookie-name", str(c)));
        }
        return m;
    }

    private static Map<String, Object> control(final ControlConfig c, final Path runDir) {
        final Map<String, Object> m = new LinkedHashMap<>();
        if (!c.aeronDir().equals(runDir.resolve("aeron"))) {
            m.put("aeron-dir", str(c.aeronDir().toString()));
        }
        if (!"aeron:ipc".equals(c.channel())) {
            m.put("channel", str(c.channel()));
        }
        c.metrics().ifPresent(metrics -> {
            final Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("address", str(metrics.address().toString()));
            m.put("metrics", mm);
        });
        if (!c.auditLog().equals(runDir.resolve("audit.log"))) {
            m.put("audit-log", str(c.auditLog().toString()));
        }
        return m;
    }

    // ---------------------------------------------------------------- YAML text

    /** Writes a tree as block-style YAML that {@link io.fulcrum.common.config.ConfigLoader} reads back. */
    public static String toYaml(final Map<String, Object> root) {
        final StringBuilder sb = new StringBuilder(1024);
        writeMap(sb, root, 0);
        return sb.toString();
    }

    private static void writeMap(final StringBuilder sb, final Map<String, Object> map, final int indent) {
        for (final Map.Entry<String, Object> e : map.entrySet()) {
            sb.append(" ".repeat(indent)).append(e.getKey()).append(':');
            writeValue(sb, e.getValue(), indent + 2);
        }
    }

    @SuppressWarnings("unchecked")
    private static void writeValue(final StringBuilder sb, final Object value, final int indent) {
        switch (value) {
            case Scalar s -> sb.append(' ').append(scalar(s)).append('\n');
            case Map<?, ?> m when m.isEmpty() -> sb.append(" {}\n");
            case Map<?, ?> m -> {
                sb.append('\n');
                writeMap(sb, (Map<String, Object>) m, indent);
            }
            case List<?> l when l.isEmpty() -> sb.append(" []\n");
            case List<?> l when l.stream().allMatch(Scalar.class::isInstance) -> {
                sb.append(" [");
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i == 0 ? "" : ", ").append(scalar((Scalar) l.get(i)));
                }
                sb.append("]\n");
            }
            case List<?> l -> {
                sb.append('\n');
                for (final Object item : l) {
                    sb.append(" ".repeat(indent)).append("- ");
                    if (item instanceof Map<?, ?> m && !m.isEmpty()) {
                        final StringBuilder inner = new StringBuilder();
                        writeMap(inner, (Map<String, Object>) m, indent + 2);
                        sb.append(inner, indent + 2, inner.length());
                    } else if (item instanceof Scalar s) {
                        sb.append(scalar(s)).append('\n');
                    } else {
                        sb.append("{}\n");
                    }
                }
            }
            default -> throw new IllegalArgumentException("not a config tree value: " + value.getClass().getName());
        }
    }

    /** One line of flow-style YAML, for diffs and the audit log: {@code {address: "198.18.1.2", port: 80}}. */
    public static String toFlow(final Object value) {
        final StringBuilder sb = new StringBuilder();
        writeFlow(sb, value);
        return sb.toString();
    }

    private static void writeFlow(final StringBuilder sb, final Object value) {
        switch (value) {
            case Scalar s -> sb.append(scalar(s));
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (final Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(first ? "" : ", ").append(e.getKey()).append(": ");
                    writeFlow(sb, e.getValue());
                    first = false;
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i == 0 ? "" : ", ");
                    writeFlow(sb, l.get(i));
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("not a config tree value: " + value.getClass().getName());
        }
    }

    private static String scalar(final Scalar s) {
        return s.plain() ? s.text() : quote(s.text());
    }

    /** A YAML double-quoted scalar (JSON-compatible escapes). */
    public static String quote(final String text) {
        final StringBuilder sb = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validSurrogate(text, i)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static boolean validSurrogate(final String text, final int i) {
        final char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }

    // ---------------------------------------------------------------- helpers

    private static Map<String, Object> map(final Map<String, Object> parent, final String key) {
        final Map<String, Object> m = new LinkedHashMap<>();
        parent.put(key, m);
        return m;
    }

    private static Scalar str(final String value) {
        return Scalar.quoted(value);
    }

    private static void putIf(final Map<String, Object> m, final String key, final Object value, final Object defaultValue) {
        if (!value.equals(defaultValue)) {
            m.put(key, Scalar.plain(value));
        }
    }

    private static List<Object> plainList(final List<?> values) {
        final List<Object> list = new ArrayList<>();
        values.forEach(v -> list.add(Scalar.plain(v)));
        return list;
    }

    private static List<Object> stringList(final List<?> values) {
        final List<Object> list = new ArrayList<>();
        values.forEach(v -> list.add(str(v.toString())));
        return list;
    }

    /** The access-log format default, mirrored from the loader (which keeps it package-private). */
    static final class AccessLogDefaults {
        static final String FORMAT = "$msec [$time_iso8601] $remote_addr:$remote_port $status "
            + "\"$request_method $scheme://$host$request_uri $server_protocol\" $request_length $bytes_sent $body_bytes_sent "
            + "$request_time \"$upstream_status\" \"$upstream_connect_time\" \"$upstream_header_time\" "
            + "\"$upstream_response_time\" \"$upstream_addr\" \"$http_user_agent\" \"$http_referer\" "
            + "\"$http_x_forwarded_for\" $node_name $listener_name $group_name $server_addr:$server_port $ssl_protocol "
            + "$ssl_cipher $ssl_server_name $tcpinfo_rtt";

        private AccessLogDefaults() {
        }
    }
}
