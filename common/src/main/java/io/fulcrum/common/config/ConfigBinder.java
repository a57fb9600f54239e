package io.fulcrum.common.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Binds a composed YAML tree to the configuration records by hand, checking every value where it is
 * read. Checks that need more than one section (names that refer to each other, port clashes) run in
 * {@link ConfigValidator} afterwards.
 */
final class ConfigBinder {
    static final List<String> ROOT_KEYS = List.of("node", "dataplane", "listeners", "backend-groups", "control");
    static final List<String> NODE_KEYS = List.of("name", "run-dir");
    static final List<String> DATAPLANE_KEYS = List.of("io", "agents", "cpus", "idle-strategy", "realtime-priority",
        "batch-size", "ring-size", "frame-size", "xdp-mode", "zero-copy", "af-packet-fanout", "af-packet-vnet-header",
        "af-packet-gso-ring-size", "interfaces", "neighbours",
        "routes", "local-addresses", "flow-table");
    static final List<String> INTERFACE_KEYS = List.of("name", "addresses");
    static final List<String> NEIGHBOUR_KEYS = List.of("reachable-time", "static");
    static final List<String> STATIC_NEIGHBOUR_KEYS = List.of("address", "mac", "interface");
    static final List<String> ROUTE_KEYS = List.of("prefix", "via", "interface");
    static final List<String> LOCAL_ADDRESS_KEYS = List.of("address", "ports");
    static final List<String> FLOW_TABLE_KEYS = List.of("capacity");
    static final List<String> LISTENER_KEYS = List.of("name", "protocol", "vip", "port", "mode", "group", "acl", "toa",
        "proxy-protocol", "timeouts", "certificates", "tls-policy", "mtls", "http2", "redirect-to", "rules", "headers",
        "max-body-bytes", "access-log", "gzip", "accept-proxy-protocol");
    static final List<String> GZIP_KEYS = List.of("enabled", "types", "min-bytes", "level");
    static final List<String> ACCEPT_PROXY_KEYS = List.of("trusted-cidrs");
    static final List<String> ACL_KEYS = List.of("mode", "cidrs");
    static final List<String> TOA_KEYS = List.of("enabled", "kind", "kind-ipv6");
    static final List<String> TIMEOUT_KEYS = List.of("idle", "request", "response", "backend-connect", "websocket-idle",
        "reset-on-expiry");
    static final List<String> CERTIFICATE_KEYS = List.of("cert", "key");
    static final List<String> MTLS_KEYS = List.of("mode", "ca");
    static final List<String> RULE_KEYS = List.of("name", "host", "path", "path-match", "group", "redirect-to");
    static final List<String> HEADER_KEYS = List.of("x-forwarded-for", "x-real-ip", "x-forwarded-proto", "x-forwarded-port",
        "x-forwarded-host", "node-identity-header");
    static final List<String> ACCESS_LOG_KEYS = List.of("enabled", "path", "format", "max-file-bytes", "max-files");
    static final List<String> GROUP_KEYS = List.of("name", "scheduler", "maglev-table-size", "backends", "health-check",
        "persistence", "drain-timeout", "slow-start", "all-down", "outlier-detection", "protocol", "tls");
    static final List<String> BACKEND_TLS_KEYS = List.of("verify", "ca", "server-name");
    static final List<String> BACKEND_KEYS = List.of("address", "port", "weight", "backup");
    static final List<String> HEALTH_CHECK_KEYS = List.of("enabled", "type", "interval", "timeout", "healthy-threshold",
        "unhealthy-threshold", "port", "method", "path", "host", "expected-codes", "request", "expect");
    static final List<String> PERSISTENCE_KEYS = List.of("type", "timeout", "cookie-name");
    static final List<String> OUTLIER_KEYS = List.of("consecutive-failures", "interval", "ejection-time", "max-ejection-percent");
    static final List<String> CONTROL_KEYS = List.of("aeron-dir", "channel", "metrics", "audit-log");
    static final List<String> METRICS_KEYS = List.of("address");

    static final int MAX_AGENTS = 1024;
    static final int MAX_RULES = 500;
    static final int MAX_ACL_ENTRIES = 65536;
    static final int MAX_TRUSTED_PROXIES = 1024;
    static final int MAX_GZIP_TYPES = 64;
    static final long DEFAULT_MAX_BODY_BYTES = 10L << 30;
    static final String DEFAULT_COOKIE = "FULCRUM_ID";
    static final String DEFAULT_ACCESS_LOG_FORMAT = "$msec [$time_iso8601] $remote_addr:$remote_port $status "
        + "\"$request_method $scheme://$host$request_uri $server_protocol\" $request_length $bytes_sent $body_bytes_sent "
        + "$request_time \"$upstream_status\" \"$upstream_connect_time\" \"$upstream_header_time\" \"$upstream_response_time\" "
        + "\"$upstream_addr\" \"$http_user_agent\" \"$http_referer\" \"$http_x_forwarded_for\" $node_name $listener_name "
        + "$group_name $server_addr:$server_port $ssl_protocol $ssl_cipher $ssl_server_name $tcpinfo_rtt";
    /** The variables the L7 stage's access log knows (io.fulcrum.tls.accesslog.AccessLogFormat). */
    static final Set<String> ACCESS_LOG_VARIABLES = Set.of("msec", "access_log_topic_id", "time_iso8601", "time_local",
        "log_ver", "remote_addr", "remote_port", "status", "request_method", "scheme", "host", "router_request_uri",
        "request_uri", "server_protocol", "request_length", "bytes_sent", "body_bytes_sent", "request_time",
        "upstream_status", "upstream_connect_time", "upstream_header_time", "upstream_response_time", "upstream_addr",
        "http_user_agent", "http_referer", "http_x_forwarded_for", "lb_name", "listener_name", "listener_id", "pool_name",
        "member_name", "tenant_id", "eip_address", "eip_port", "upstream_addr_priv", "certificate_id", "ssl_protocol",
        "ssl_cipher", "sni_domain_name", "tcpinfo_rtt", "node_name", "group_name", "server_addr", "server_port",
        "ssl_server_name", "request_id");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,14}");
    private static final String LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?" + LABEL + "(\\." + LABEL + ")*");
    private static final Pattern SERVER_NAME = Pattern.compile(LABEL + "(\\." + LABEL + ")*");
    private static final Pattern CHECK_HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,252}");
    private static final Pattern CHECK_PATH = Pattern.compile("/[A-Za-z0-9\\-_/.%?#&=~]{0,79}");
    private static final Pattern MEDIA_TYPE = Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
    private static final Pattern VARIABLE = Pattern.compile("\\$(\\{([A-Za-z0-9_]*)}|([A-Za-z0-9_]*))");
    private static final Set<Integer> STANDARD_TCP_OPTIONS = Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 28, 29, 30, 34);

    private final ConfigSource source;
    private final Path baseDir;
    private final int cores;
    private final boolean checkPemFiles;

    ConfigBinder(final ConfigSource source, final Path baseDir, final int cores) {
        this(source, baseDir, cores, true);
    }

    /** {@code checkPemFiles} false skips reading certificate and key files (documentation checks of example files). */
    ConfigBinder(final ConfigSource source, final Path baseDir, final int cores, final boolean checkPemFiles) {
        this.source = source;
        this.baseDir = baseDir;
        this.cores = cores;
        this.checkPemFiles = checkPemFiles;
    }

    FulcrumConfig bind(final Node root) {
        source.record("", Optional.empty(), root);
        final MapReader r = MapReader.of(source, root, "", ROOT_KEYS);
        final NodeConfig node = node(r.requiredSection("node", NODE_KEYS));
        final DataplaneConfig dataplane = dataplane(r.requiredSection("dataplane", DATAPLANE_KEYS));
        final List<ListenerConfig> listeners = r.list("listeners", this::listener);
        final List<BackendGroupConfig> groups = r.list("backend-groups", this::group);
        final ControlConfig control = control(r.section("control", CONTROL_KEYS), node);
        return new FulcrumConfig(node, dataplane, listeners, groups, control);
    }

    // ---------------------------------------------------------------- node

    private NodeConfig node(final MapReader r) {
        final String name = name(r, "name");
        final Path defaultRunDir = Path.of("/dev/shm/fulcrum-" + (name.isEmpty() ? "node" : name));
        final Path runDir = absolutePath(r, "run-dir", defaultRunDir);
        return new NodeConfig(name, runDir);
    }

    // ---------------------------------------------------------------- dataplane

    private DataplaneConfig dataplane(final MapReader r) {
        final IoMode io = r.choice("io", IoMode.values(), IoMode.AUTO);
        final int agents = r.integer("agents", 1, MAX_AGENTS, 1);
        if (agents > cores) {
            r.error("agents", "must not exceed the " + cores + " CPU cores of this machine, got " + agents);
        }
        final int agentCount = agents;
        final Set<Integer> seenCpus = new HashSet<>();
        final List<Integer> cpus = r.list("cpus", (n, p) -> {
            final Long cpu = MapReader.integerOf(source, n, p, 0, 4095);
            if (cpu != null && !seenCpus.add(cpu.intValue())) {
                source.errorAt(p, "CPU " + cpu + " is already used by another agent");
                return null;
            }
            return cpu == null ? null : cpu.intValue();
        });
        if (r.has("cpus") && !cpus.isEmpty() && cpus.size() != agentCount && !source.hasErrorsUnder(r.pathOf("cpus"))
            && !source.hasErrorsUnder(r.pathOf("agents"))) {
            r.error("cpus", "needs one CPU per agent: " + agentCount + " agent(s), " + cpus.size() + " CPU(s) listed");
        }
        final IdleStrategyKind idle = r.choice("idle-strategy", IdleStrategyKind.values(), IdleStrategyKind.BACKOFF);
        final int priority = r.integer("realtime-priority", 0, 99, 0);
        final int batch = powerOfTwo(r, "batch-size", 1, 1024, 64);
        final int ring = powerOfTwo(r, "ring-size", 64, 32768, 2048);
        if (batch > ring) {
            r.error("batch-size", "must not exceed ring-size (" + ring + "), got " + batch);
        }
        final int frame = r.integer("frame-size", 2048, 4096, 2048);
        if (frame != 2048 && frame != 4096) {
            r.error("frame-size", "must be 2048 or 4096, got " + frame);
        }
        final XdpMode xdpMode = r.choice("xdp-mode", XdpMode.values(), XdpMode.AUTO);
        final ZeroCopyMode zeroCopy = r.choice("zero-copy", ZeroCopyMode.values(), ZeroCopyMode.AUTO);
        if (io == IoMode.AF_PACKET) {
            for (final String key : List.of("xdp-mode", "zero-copy")) {
                if (r.has(key)) {
                    r.error(key, "applies only when io is auto or af_xdp, not af_packet");
                }
            }
        } else if (zeroCopy == ZeroCopyMode.ON && xdpMode == XdpMode.GENERIC) {
            r.error("zero-copy", "on needs native XDP mode; generic mode copies every frame");
        }
        final AfPacketFanout fanout = r.choice("af-packet-fanout", AfPacketFanout.values(), AfPacketFanout.OWNER);
        if (io == IoMode.AF_XDP && r.has("af-packet-fanout")) {
            r.error("af-packet-fanout", "applies only when io is auto or af_packet, not af_xdp");
        }
        final AfPacketVnetHeader vnetHeader = r.choice("af-packet-vnet-header", AfPacketVnetHeader.values(),
            AfPacketVnetHeader.AUTO);
        final int gsoRing = powerOfTwo(r, "af-packet-gso-ring-size", 16, 4096, 256);
        for (final String key : List.of("af-packet-vnet-header", "af-packet-gso-ring-size")) {
            if (io == IoMode.AF_XDP && r.has(key)) {
                r.error(key, "applies only when io is auto or af_packet, not af_xdp");
            }
        }
        if (vnetHeader == AfPacketVnetHeader.OFF && r.has("af-packet-gso-ring-size")) {
            r.error("af-packet-gso-ring-size", "applies only with af-packet-vnet-header auto or on (ring-size and "
                + "frame-size size the rings without virtio headers)");
        }

        final List<InterfaceConfig> interfaces = interfaces(r);
        final Map<String, InterfaceConfig> byName = new HashMap<>();
        interfaces.forEach(i -> byName.putIfAbsent(i.name(), i));
        final NeighbourConfig neighbours = neighbours(r.section("neighbours", NEIGHBOUR_KEYS), byName);
        final List<RouteConfig> routes = routes(r, byName);
        final List<LocalAddressConfig> locals = localAddresses(r, interfaces);
        final MapReader flow = r.section("flow-table", FLOW_TABLE_KEYS);
        final FlowTableConfig flowTable = new FlowTableConfig(powerOfTwo(flow, "capacity", 1024, 1 << 26, 1 << 20));
        return new DataplaneConfig(io, agentCount, cpus, idle, priority, batch, ring, frame, xdpMode, zeroCopy, fanout,
            vnetHeader, gsoRing, interfaces, neighbours, routes, locals, flowTable);
    }

    private List<InterfaceConfig> interfaces(final MapReader r) {
        // no interfaces: the node runs without packet mode (L7 and proxy-mode listeners only)
        final Set<String> names = new HashSet<>();
        final Map<Integer, String> owners = new HashMap<>();
        final List<InterfaceConfig> interfaces = r.list("interfaces", (n, p) -> {
            final MapReader i = MapReader.of(source, n, p, INTERFACE_KEYS);
            final String name = i.requiredString("name");
            if (!name.isEmpty() && !INTERFACE_NAME.matcher(name).matches()) {
                i.error("name", "must be a Linux interface name (1 to 15 letters, digits, '_', '.', '-'), got '" + name + "'");
            } else if (!name.isEmpty() && !names.add(name)) {
                i.error("name", "interface '" + name + "' is listed twice");
            }
            final List<Ipv4Cidr> addresses = i.list("addresses", (an, ap) -> {
                final Ipv4Cidr cidr = MapReader.parsedOf(source, an, ap, Ipv4Cidr::parse);
                if (cidr == null) {
                    return null;
                }
                if (cidr.prefixLength() == 0) {
                    source.errorAt(ap, "needs a prefix length between 1 and 32, got /0");
                    return null;
                }
                final String owner = owners.putIfAbsent(cidr.address(), name);
                if (owner != null) {
                    source.errorAt(ap, Ipv4Address.format(cidr.address()) + " is already an address of interface '" + owner
                        + "'");
                    return null;
                }
                return cidr;
            });
            return new InterfaceConfig(name, addresses);
        });
        if (r.has("interfaces") && interfaces.isEmpty() && !source.hasErrorsUnder(r.pathOf("interfaces"))) {
            r.error("interfaces", "needs at least one interface");
        }
        return interfaces;
    }

    private NeighbourConfig neighbours(final MapReader r, final Map<String, InterfaceConfig> interfaces) {
        final int reachable = r.integer("reachable-time", 1, 3600, 300);
        final Set<Integer> seen = new HashSet<>();
        final List<StaticNeighbourConfig> statics = r.list("static", (n, p) -> {
            final MapReader s = MapReader.of(source, n, p, STATIC_NEIGHBOUR_KEYS);
            final Integer address = s.require("address") ? s.parsed("address", Ipv4Address::parse, null) : null;
            Long mac = s.require("mac") ? s.parsed("mac", MacAddress::parse, null) : null;
            if (mac != null && !MacAddress.isUnicast(mac)) {
                s.error("mac", "must be a unicast address, got " + MacAddress.format(mac));
                mac = null;
            }
            final InterfaceConfig iface = interfaceRef(s, "interface", interfaces);
            if (address != null && !seen.add(address)) {
                s.error("address", Ipv4Address.format(address) + " has another static entry already");
                return null;
            }
            if (address != null && iface != null && !onSubnet(iface, address) && !source.hasErrorsUnder("dataplane.interfaces")) {
                s.error("address", Ipv4Address.format(address) + " is not on any subnet of interface '" + iface.name() + "' "
                    + iface.addresses());
            }
            return address == null || mac == null || iface == null ? null : new StaticNeighbourConfig(address, mac, iface.name());
        });
        return new NeighbourConfig(reachable, statics);
    }

    private List<RouteConfig> routes(final MapReader r, final Map<String, InterfaceConfig> interfaces) {
        final Set<Ipv4Cidr> prefixes = new HashSet<>();
        return r.list("routes", (n, p) -> {
            final MapReader route = MapReader.of(source, n, p, ROUTE_KEYS);
            Ipv4Cidr prefix = route.require("prefix") ? route.parsed("prefix", Ipv4Cidr::parse, null) : null;
            if (prefix != null && !prefix.isNetwork()) {
                route.error("prefix", "has host bits set (did you mean " + new Ipv4Cidr(prefix.network(),
                    prefix.prefixLength()) + "?)");
                prefix = null;
            } else if (prefix != null && !prefixes.add(prefix)) {
                route.error("prefix", prefix + " has another route already");
                prefix = null;
            }
            final Integer via = route.parsed("via", Ipv4Address::parse, 0);
            final InterfaceConfig iface = interfaceRef(route, "interface", interfaces);
            if (via != null && via != 0 && iface != null && !onSubnet(iface, via)
                && !source.hasErrorsUnder("dataplane.interfaces")) {
                route.error("via", Ipv4Address.format(via) + " is not on any subnet of interface '" + iface.name() + "' "
                    + iface.addresses());
            }
            return prefix == null || via == null || iface == null ? null : new RouteConfig(prefix, via, iface.name());
        });
    }

    private List<LocalAddressConfig> localAddresses(final MapReader r, final List<InterfaceConfig> interfaces) {
        final Set<Integer> seen = new HashSet<>();
        return r.list("local-addresses", (n, p) -> {
            final MapReader l = MapReader.of(source, n, p, LOCAL_ADDRESS_KEYS);
            final Integer address = l.require("address") ? l.parsed("address", Ipv4Address::parse, null) : null;
            final PortRange ports = l.parsed("ports", PortRange::parse, new PortRange(1024, 65535));
            if (address == null) {
                return null;
            }
            if (!seen.add(address)) {
                l.error("address", Ipv4Address.format(address) + " is listed twice");
                return null;
            }
            final boolean owned = interfaces.stream().flatMap(i -> i.addresses().stream()).anyMatch(c -> c.address() == address);
            if (!owned) {
                l.error("address", Ipv4Address.format(address) + " is not an address of any interface "
                    + "(add it to an interface's addresses so Fulcrum answers ARP for it)");
                return null;
            }
            return new LocalAddressConfig(address, ports);
        });
    }

    // ---------------------------------------------------------------- listeners

    private ListenerConfig listener(final Node n, final String p) {
        final MapReader r = MapReader.of(source, n, p, LISTENER_KEYS);
        final String name = name(r, "name");
        final ListenerProtocol protocol = r.require("protocol") ? r.choice("protocol", ListenerProtocol.values(), null) : null;
        final IpAddress vip = r.require("vip") ? r.parsed("vip", IpAddress::parse, null) : null;
        final int port = r.requiredInt("port", 1, 65535);
        final boolean l4 = protocol != null && protocol.isL4();
        final boolean http = protocol != null && protocol.isHttp();
        final boolean tls = protocol != null && protocol.terminatesTls();

        ForwardingMode mode = ForwardingMode.PROXY;
        if (l4) {
            mode = r.choice("mode", ForwardingMode.values(), ForwardingMode.FULLNAT);
        } else {
            onlyFor(r, protocol, "mode", false, "tcp and udp listeners (http, https and tls listeners always proxy)");
        }

        final Optional<String> redirectTo = onlyFor(r, protocol, "redirect-to", protocol == ListenerProtocol.HTTP,
            "http listeners")
            ? r.optionalString("redirect-to") : Optional.empty();
        if (redirectTo.isPresent()) {
            for (final String key : List.of("group", "rules", "headers", "max-body-bytes", "timeouts")) {
                if (r.written(key)) {
                    r.error(key, "has no effect on a redirecting listener (only acl and access-log apply)");
                }
            }
        }
        final Optional<String> group = r.optionalString("group");
        if (redirectTo.isEmpty() && protocol != null) {
            r.require("group");
        }

        final AclConfig acl = acl(r.section("acl", ACL_KEYS), r.has("acl"));
        final boolean toaAllowed = protocol == null || protocol == ListenerProtocol.TCP && mode == ForwardingMode.FULLNAT;
        final ToaConfig toa = toa(r.section("toa", TOA_KEYS), onlyFor(r, protocol, "toa", toaAllowed,
            "tcp listeners in fullnat mode") && r.has("toa"));
        final ProxyProtocolVersion proxyProtocol = proxyProtocol(r, protocol, mode);
        final TimeoutsConfig timeouts = timeouts(r.section("timeouts", TIMEOUT_KEYS), protocol, mode);

        final List<CertificateConfig> certificates = onlyFor(r, protocol, "certificates", tls, "https and tls listeners")
            ? r.list("certificates", this::certificate) : List.of();
        if (tls && certificates.isEmpty() && !source.hasErrorsUnder(r.pathOf("certificates"))) {
            if (r.written("certificates")) {
                r.error("certificates", "needs at least one certificate");
            } else {
                r.require("certificates");
            }
        }
        final TlsPolicy tlsPolicy = onlyFor(r, protocol, "tls-policy", tls, "https and tls listeners")
            ? r.choice("tls-policy", TlsPolicy.values(), TlsPolicy.TLS_1_2) : TlsPolicy.TLS_1_2;
        final MtlsConfig mtls = onlyFor(r, protocol, "mtls", tls, "https and tls listeners")
            ? mtls(r.section("mtls", MTLS_KEYS), r.has("mtls")) : new MtlsConfig(MtlsMode.OFF, Optional.empty());
        final boolean https = protocol == ListenerProtocol.HTTPS;
        final boolean http2 = onlyFor(r, protocol, "http2", https, "https listeners") ? r.bool("http2", true) : https;

        final List<RuleConfig> rules = onlyFor(r, protocol, "rules", http, "http and https listeners") ? rules(r) : List.of();
        final HeadersConfig headers = headers(r.section("headers", HEADER_KEYS), onlyFor(r, protocol, "headers", http,
            "http and https listeners"));
        final long maxBody = onlyFor(r, protocol, "max-body-bytes", http, "http and https listeners")
            ? r.longValue("max-body-bytes", 1, 1L << 50, DEFAULT_MAX_BODY_BYTES) : DEFAULT_MAX_BODY_BYTES;
        final Optional<AccessLogConfig> accessLog = onlyFor(r, protocol, "access-log", http, "http and https listeners")
            && r.has("access-log") ? Optional.of(accessLog(r.section("access-log", ACCESS_LOG_KEYS))) : Optional.empty();
        final GzipConfig gzip = onlyFor(r, protocol, "gzip", http, "http and https listeners") && r.has("gzip")
            ? gzip(r.section("gzip", GZIP_KEYS)) : GzipConfig.OFF;
        if (gzip.enabled() && redirectTo.isPresent()) {
            r.error("gzip", "has no effect on a redirecting listener (only acl and access-log apply)");
        }
        final List<IpCidr> proxyFrom = onlyFor(r, protocol, "accept-proxy-protocol", http, "http and https listeners")
            && r.has("accept-proxy-protocol") ? acceptProxy(r.section("accept-proxy-protocol", ACCEPT_PROXY_KEYS)) : List.of();

        if (protocol == null || vip == null) {
            return null;
        }
        return source.locate(new ListenerConfig(name, protocol, vip, port, mode, group, acl, toa, proxyProtocol, timeouts,
            certificates, tlsPolicy, mtls, http2, redirectTo, rules, headers, maxBody, accessLog, gzip, proxyFrom), p);
    }

    /**
     * Refuses a key written on a listener or check it does not apply to. Returns whether the key may be
     * read (false also when the protocol itself was refused, to avoid follow-on errors).
     */
    private boolean onlyFor(final MapReader r, final Enum<?> kind, final String key, final boolean applies, final String where) {
        if (kind == null) {
            return false;
        }
        if (!applies && r.written(key)) {
            r.error(key, "applies to " + where + " only");
        }
        return applies;
    }

    private AclConfig acl(final MapReader r, final boolean present) {
        final AclMode mode = present && r.require("mode") ? r.choice("mode", AclMode.values(), AclMode.OFF) : AclMode.OFF;
        final List<IpCidr> cidrs = cidrs(r, "cidrs", MAX_ACL_ENTRIES);
        return new AclConfig(mode, cidrs);
    }

    /** The sources allowed to send a PROXY header: at least one prefix, none twice. */
    private List<IpCidr> acceptProxy(final MapReader r) {
        if (!r.require("trusted-cidrs")) {
            return List.of();
        }
        final List<IpCidr> cidrs = cidrs(r, "trusted-cidrs", MAX_TRUSTED_PROXIES);
        if (cidrs.isEmpty() && !source.hasErrorsUnder(r.pathOf("trusted-cidrs"))) {
            r.error("trusted-cidrs", "needs at least one prefix (leave accept-proxy-protocol out to accept PROXY headers from "
                + "nobody)");
        }
        return cidrs;
    }

    private GzipConfig gzip(final MapReader r) {
        final boolean enabled = r.bool("enabled", true);
        final Set<String> seen = new HashSet<>();
        List<String> types = GzipConfig.DEFAULT_TYPES;
        if (r.has("types")) {
            types = r.list("types", (n, p) -> {
                final String text = MapReader.scalar(source, n, p, "a media type");
                if (text == null) {
                    return null;
                }
                final String type = text.toLowerCase(java.util.Locale.ROOT);
                if (!MEDIA_TYPE.matcher(type).matches()) {
                    source.errorAt(p, "must be a media type like text/html (no parameters, no wildcards), got '" + text + "'");
                    return null;
                }
                if (!seen.add(type)) {
                    source.errorAt(p, type + " is listed twice");
                    return null;
                }
                return type;
            });
            if (types.isEmpty() && !source.hasErrorsUnder(r.pathOf("types"))) {
                r.error("types", "needs at least one media type (write enabled: false to turn compression off)");
            } else if (types.size() > MAX_GZIP_TYPES) {
                r.error("types", "has " + types.size() + " entries, at most " + MAX_GZIP_TYPES + " are allowed");
            }
        }
        final int minBytes = r.integer("min-bytes", 0, 1 << 30, 1024);
        final int level = r.integer("level", 1, 9, 6);
        return new GzipConfig(enabled, types, minBytes, level);
    }

    private List<IpCidr> cidrs(final MapReader r, final String key, final int max) {
        final Set<IpCidr> seen = new HashSet<>();
        final List<IpCidr> cidrs = r.list(key, (n, p) -> {
            final IpCidr cidr = MapReader.parsedOf(source, n, p, IpCidr::parse);
            if (cidr == null) {
                return null;
            }
            if (!cidr.isNetwork()) {
                source.errorAt(p, "has host bits set (did you mean " + cidr.network() + "?)");
                return null;
            }
            if (!seen.add(cidr)) {
                source.errorAt(p, cidr + " is listed twice");
                return null;
            }
            return cidr;
        });
        if (cidrs.size() > max) {
            r.error(key, "has " + cidrs.size() + " entries, at most " + max + " are allowed");
        }
        return cidrs;
    }

    private ToaConfig toa(final MapReader r, final boolean present) {
        final boolean enabled = present && r.bool("enabled", true);
        final int kind = toaKind(r, "kind", 254);
        final int kindIpv6 = toaKind(r, "kind-ipv6", 253);
        if (kind == kindIpv6 && (r.has("kind") || r.has("kind-ipv6"))) {
            r.error("kind-ipv6", "must differ from kind (" + kind + ") so backends can tell the two layouts apart");
        }
        return new ToaConfig(enabled, kind, kindIpv6);
    }

    private int toaKind(final MapReader r, final String key, final int defaultValue) {
        final int kind = r.integer(key, 0, 255, defaultValue);
        if (STANDARD_TCP_OPTIONS.contains(kind)) {
            r.error(key, "must not be a standard TCP option kind, got " + kind);
            return defaultValue;
        }
        return kind;
    }

    private ProxyProtocolVersion proxyProtocol(final MapReader r, final ListenerProtocol protocol, final ForwardingMode mode) {
        if (protocol == null || !onlyFor(r, protocol, "proxy-protocol", !protocol.isHttp(),
            "tcp, udp and tls listeners (http listeners pass the client address in headers)")) {
            return ProxyProtocolVersion.OFF;
        }
        final ProxyProtocolVersion version = r.choice("proxy-protocol", ProxyProtocolVersion.values(), ProxyProtocolVersion.OFF);
        if (version != ProxyProtocolVersion.OFF && mode == ForwardingMode.DNAT) {
            r.error("proxy-protocol", "is not used in dnat mode, which keeps the client address");
        } else if (version == ProxyProtocolVersion.V1 && protocol == ListenerProtocol.UDP) {
            r.error("proxy-protocol", "v1 is text for TCP only; udp listeners support v2");
        }
        return version;
    }

    private TimeoutsConfig timeouts(final MapReader r, final ListenerProtocol protocol, final ForwardingMode mode) {
        if (protocol == null) {
            return new TimeoutsConfig(900, 60, 60, 5, 60, true);
        }
        final int idle = switch (protocol) {
            case TCP, TLS -> r.integer("idle", 10, 4000, 900);
            case UDP -> r.integer("idle", 10, 4000, 90);
            case HTTP, HTTPS -> r.integer("idle", 0, 4000, 60);
        };
        final boolean http = protocol.isHttp();
        final int request = onlyFor(r, protocol, "request", http, "http and https listeners") ? r.integer("request", 1, 300,
            60) : 60;
        final int response = onlyFor(r, protocol, "response", http, "http and https listeners")
            ? r.integer("response", 1, 300, 60) : 60;
        final int websocket = onlyFor(r, protocol, "websocket-idle", http, "http and https listeners")
            ? r.integer("websocket-idle", 1, 4000, 60) : 60;
        final boolean connects = !protocol.isL4() || protocol == ListenerProtocol.TCP && mode == ForwardingMode.PROXY;
        final int connect = onlyFor(r, protocol, "backend-connect", connects,
            "http, https and tls listeners and tcp in proxy mode")
            ? r.integer("backend-connect", 1, 60, 5) : 5;
        final boolean reset = onlyFor(r, protocol, "reset-on-expiry", protocol == ListenerProtocol.TCP, "tcp listeners")
            && r.bool("reset-on-expiry", true);
        return new TimeoutsConfig(idle, request, response, connect, websocket, reset);
    }

    private CertificateConfig certificate(final Node n, final String p) {
        final MapReader r = MapReader.of(source, n, p, CERTIFICATE_KEYS);
        final Path cert = r.require("cert") ? path(r, "cert") : null;
        final Path key = r.require("key") ? path(r, "key") : null;
        if (cert == null || key == null) {
            return null;
        }
        if (checkPemFiles) {
            try {
                PemFiles.readCertificates(cert);
            } catch (final PemFiles.PemException e) {
                r.error("cert", e.getMessage());
                return null;
            }
            try {
                PemFiles.load(cert, key);
            } catch (final PemFiles.PemException e) {
                r.error("key", e.getMessage());
                return null;
            }
        }
        return new CertificateConfig(cert, key);
    }

    private MtlsConfig mtls(final MapReader r, final boolean present) {
        final MtlsMode mode = present && r.require("mode") ? r.choice("mode", MtlsMode.values(), MtlsMode.OFF) : MtlsMode.OFF;
        if (mode != MtlsMode.OFF) {
            r.require("ca");
        }
        final Optional<Path> ca = r.has("ca") ? Optional.ofNullable(path(r, "ca")) : Optional.empty();
        if (checkPemFiles && ca.isPresent()) {
            try {
                PemFiles.readCaBundle(ca.get());
            } catch (final PemFiles.PemException e) {
                r.error("ca", e.getMessage());
            }
        }
        return new MtlsConfig(mode, ca);
    }

    private List<RuleConfig> rules(final MapReader r) {
        final Map<String, String> matches = new HashMap<>();
        final Set<String> names = new HashSet<>();
        final List<RuleConfig> rules = r.list("rules", (n, p) -> {
            final MapReader rule = MapReader.of(source, n, p, RULE_KEYS);
            final String name = name(rule, "name");
            if (!name.isEmpty() && !names.add(name)) {
                rule.error("name", "rule '" + name + "' is defined twice in this listener");
            }
            Optional<String> host = rule.optionalString("host").map(String::toLowerCase);
            if (host.isPresent() && (host.get().indexOf(':') >= 0 || host.get().length() > 253
                || !HOST.matcher(host.get()).matches())) {
                rule.error("host", host.get().indexOf(':') >= 0 ? "must not include a port, got '" + host.get() + "'"
                    : "must be a host name like www.example.com or *.example.com, got '" + host.get() + "'");
                host = Optional.empty();
            }
            final PathMatch match = rule.choice("path-match", PathMatch.values(), PathMatch.PREFIX);
            final Optional<String> path = rule.optionalString("path");
            if (path.isPresent() && match == PathMatch.REGEX) {
                try {
                    Pattern.compile(path.get());
                } catch (PatternSyntaxException e) {
                    rule.error("path", "is not a valid regular expression: " + e.getDescription() + " near index "
                        + e.getIndex());
                }
            } else if (path.isPresent() && !path.get().startsWith("/")) {
                rule.error("path", "must start with '/', got '" + path.get() + "'");
            } else if (rule.written("path-match") && path.isEmpty()) {
                rule.error("path-match", "needs a path");
            }
            if (!rule.has("host") && !rule.has("path") && !rule.written("host") && !rule.written("path")) {
                rule.source().errorAt(p, "needs a host, a path, or both");
            }
            final Optional<String> group = rule.optionalString("group");
            final Optional<String> redirect = rule.optionalString("redirect-to");
            if (group.isPresent() == redirect.isPresent()) {
                rule.source().errorAt(p, "needs exactly one of group (forward) or redirect-to (redirect)");
            }
            final String key = host.orElse("") + " " + (path.isPresent() ? match + " " + path.get() : "");
            final String previous = matches.putIfAbsent(key, p);
            if (previous != null && (host.isPresent() || path.isPresent())) {
                rule.source().errorAt(p, "matches the same requests as " + previous.substring(previous.lastIndexOf('.') + 1));
            }
            return source.locate(new RuleConfig(name, host, path, match, group, redirect), p);
        });
        if (rules.size() > MAX_RULES) {
            r.error("rules", "has " + rules.size() + " rules, at most " + MAX_RULES + " are allowed per listener");
        }
        return rules;
    }

    private HeadersConfig headers(final MapReader r, final boolean applies) {
        final Optional<String> identity = applies ? r.optionalString("node-identity-header") : Optional.empty();
        if (identity.isPresent() && !TOKEN.matcher(identity.get()).matches()) {
            r.error("node-identity-header", "must be an HTTP header name, got '" + identity.get() + "'");
        }
        return new HeadersConfig(r.bool("x-forwarded-for", true), r.bool("x-real-ip", true), r.bool("x-forwarded-proto", true),
            r.bool("x-forwarded-port", true), r.bool("x-forwarded-host", true),
            identity.filter(h -> TOKEN.matcher(h).matches()));
    }

    private AccessLogConfig accessLog(final MapReader r) {
        final boolean enabled = r.bool("enabled", true);
        final Path path = r.require("path") ? path(r, "path") : null;
        final String format = r.string("format", DEFAULT_ACCESS_LOG_FORMAT);
        final var matcher = VARIABLE.matcher(format);
        while (matcher.find()) {
            final String variable = matcher.group(2) != null ? matcher.group(2) : matcher.group(3);
            if (!ACCESS_LOG_VARIABLES.contains(variable) && !(variable.startsWith("http_") && variable.length() > 5)) {
                r.error("format", variable.isEmpty() ? "has a '$' without a variable name (write $$ as ${...} is not supported)"
                    : "unknown variable '$" + variable + "'" + Suggestions.didYouMean(variable, ACCESS_LOG_VARIABLES));
                break;
            }
        }
        final long maxFileBytes = r.longValue("max-file-bytes", 1L << 20, 1L << 40, 100L << 20);
        final int maxFiles = r.integer("max-files", 1, 1000, 10);
        return new AccessLogConfig(enabled, path == null ? Path.of("") : path, format, maxFileBytes, maxFiles);
    }

    // ---------------------------------------------------------------- backend groups

    private BackendGroupConfig group(final Node n, final String p) {
        final MapReader r = MapReader.of(source, n, p, GROUP_KEYS);
        final String name = name(r, "name");
        final SchedulerKind scheduler = r.choice("scheduler", SchedulerKind.values(), SchedulerKind.WRR);
        final boolean hashing = scheduler == SchedulerKind.SH || scheduler == SchedulerKind.MH;
        int tableSize = 65537;
        if (onlyFor(r, scheduler, "maglev-table-size", hashing, "the sh and mh schedulers")) {
            tableSize = r.integer("maglev-table-size", 7, 1048573, 65537);
            if (!isPrime(tableSize)) {
                r.error("maglev-table-size", "must be a prime number (e.g. 65537), got " + tableSize);
            }
        }
        final Set<String> endpoints = new HashSet<>();
        final List<BackendConfig> backends = r.list("backends", (bn, bp) -> {
            final MapReader b = MapReader.of(source, bn, bp, BACKEND_KEYS);
            final IpAddress address = b.require("address") ? b.parsed("address", IpAddress::parse, null) : null;
            final int port = b.requiredInt("port", 1, 65535);
            final int weight = b.integer("weight", 0, 100, 100);
            final boolean backup = b.bool("backup", false);
            if (address == null) {
                return null;
            }
            final String endpoint = new Endpoint(address, port).toString();
            if (!endpoints.add(endpoint)) {
                b.source().errorAt(bp, endpoint + " is already a backend of this group");
                return null;
            }
            return new BackendConfig(address, port, weight, backup);
        });
        final long backups = backends.stream().filter(BackendConfig::backup).count();
        if (backups > 0 && (backends.size() != 2 || backups != 1)) {
            r.error("backends", "a primary/backup group needs exactly two backends, one of them with backup: true");
        }
        if (hashing && backends.size() >= tableSize) {
            r.error("maglev-table-size", "must be larger than the number of backends (" + backends.size() + "), got "
                + tableSize);
        }
        final Optional<HealthCheckConfig> check = r.has("health-check")
            ? Optional.of(healthCheck(r.section("health-check", HEALTH_CHECK_KEYS))) : Optional.empty();
        final Optional<PersistenceConfig> persistence = r.has("persistence")
            ? persistence(r.section("persistence", PERSISTENCE_KEYS), scheduler) : Optional.empty();
        final int drain = r.integer("drain-timeout", 0, 3600, 300);
        final int slowStart = onlyFor(r, scheduler, "slow-start", !hashing, "the rr, wrr, lc and wlc schedulers")
            ? r.integer("slow-start", 0, 600, 0) : 0;
        final AllDownAction allDown = r.choice("all-down", AllDownAction.values(), AllDownAction.RESET);
        final Optional<OutlierDetectionConfig> outliers = r.has("outlier-detection")
            ? Optional.of(outlierDetection(r.section("outlier-detection", OUTLIER_KEYS))) : Optional.empty();
        final BackendProtocol protocol = r.choice("protocol", BackendProtocol.values(), BackendProtocol.HTTP);
        final BackendTlsConfig tls = onlyFor(r, protocol, "tls", protocol == BackendProtocol.HTTPS, "groups with protocol: https")
            && r.has("tls") ? backendTls(r.section("tls", BACKEND_TLS_KEYS)) : BackendTlsConfig.DEFAULT;
        if (protocol == BackendProtocol.HTTPS && check.isPresent() && check.get().type() == HealthCheckType.HTTP
            && check.get().port() == 0) {
            source.errorAt(r.pathOf("health-check") + ".type", "http would probe the backends' TLS port in cleartext;"
                + " use https (or tcp) for a group with protocol: https, or set health-check.port to a cleartext port");
        }
        return source.locate(new BackendGroupConfig(name, scheduler, tableSize, backends, check, persistence, drain, slowStart,
            allDown, outliers, protocol, tls), p);
    }

    private BackendTlsConfig backendTls(final MapReader r) {
        final boolean verify = r.bool("verify", true);
        final Optional<Path> ca = r.has("ca") ? Optional.ofNullable(path(r, "ca")) : Optional.empty();
        if (checkPemFiles && ca.isPresent()) {
            try {
                PemFiles.readCaBundle(ca.get());
            } catch (final PemFiles.PemException e) {
                r.error("ca", e.getMessage());
            }
        }
        if (!verify && r.written("ca")) {
            r.error("ca", "has no effect with verify: false (backend certificates are not checked)");
        }
        final Optional<String> serverName = r.optionalString("server-name").map(v -> v.toLowerCase(Locale.ROOT));
        if (serverName.isPresent() && (!SERVER_NAME.matcher(serverName.get()).matches() || serverName.get().length() > 253
            || serverName.get().matches("[0-9.]+"))) {
            r.error("server-name", "must be a DNS name such as backend.example.org (sent as SNI; an IP address cannot be), got '"
                + serverName.get() + "'");
        }
        return new BackendTlsConfig(verify, ca, serverName);
    }

    private HealthCheckConfig healthCheck(final MapReader r) {
        final boolean enabled = r.bool("enabled", true);
        final HealthCheckType type = r.require("type") ? r.choice("type", HealthCheckType.values(), null) : null;
        final int interval = r.integer("interval", 1, 50, 5);
        final int timeout = Math.min(r.integer("timeout", 1, 300, 3), interval);
        final int healthy = r.integer("healthy-threshold", 1, 10, 3);
        final int unhealthy = r.integer("unhealthy-threshold", 1, 10, 3);
        final int port = r.integer("port", 1, 65535, 0);
        final boolean http = type == HealthCheckType.HTTP || type == HealthCheckType.HTTPS;
        final String httpOnly = "http and https health checks";
        final HealthCheckMethod method = onlyFor(r, type, "method", http, httpOnly)
            ? r.choice("method", HealthCheckMethod.values(), HealthCheckMethod.GET) : HealthCheckMethod.GET;
        String path = onlyFor(r, type, "path", http, httpOnly) ? r.string("path", "/") : "/";
        if (!path.startsWith("/") || path.length() > 80) {
            r.error("path", "must start with '/' and be 1 to 80 characters long, got '" + path + "'");
            path = "/";
        } else if (!CHECK_PATH.matcher(path).matches()) {
            r.error("path", "may contain only letters, digits and - _ / . % ? # & = ~, got '" + path + "'");
            path = "/";
        }
        final Optional<String> host = onlyFor(r, type, "host", http, httpOnly) ? r.optionalString("host") : Optional.empty();
        if (host.isPresent() && !CHECK_HOST.matcher(host.get()).matches()) {
            r.error("host", "may contain only letters, digits, '-' and '.', starting with a letter or digit, got '"
                + host.get() + "'");
        }
        final Set<Integer> classes = new LinkedHashSet<>();
        if (onlyFor(r, type, "expected-codes", http, httpOnly) && r.has("expected-codes")) {
            r.list("expected-codes", (n, p) -> {
                final String text = MapReader.scalar(source, n, p, "a status class");
                if (text != null && !text.matches("[2-5]xx")) {
                    source.errorAt(p, "must be one of 2xx, 3xx, 4xx or 5xx, got '" + text + "'");
                } else if (text != null && !classes.add(text.charAt(0) - '0')) {
                    source.errorAt(p, text + " is listed twice");
                }
                return text;
            });
            if (classes.isEmpty() && !source.hasErrorsUnder(r.pathOf("expected-codes"))) {
                r.error("expected-codes", "needs at least one status class");
            }
        } else {
            classes.addAll(List.of(2, 3));
        }
        final boolean udp = type == HealthCheckType.UDP;
        final Optional<String> request = onlyFor(r, type, "request", udp, "udp health checks") ? payload(r, "request")
            : Optional.empty();
        final Optional<String> expect = onlyFor(r, type, "expect", udp, "udp health checks") ? payload(r, "expect")
            : Optional.empty();
        return new HealthCheckConfig(enabled, type == null ? HealthCheckType.TCP : type, interval, timeout, healthy, unhealthy,
            port,
            method, path, host, classes.isEmpty() ? Set.of(2, 3) : classes, request, expect);
    }

    private Optional<String> payload(final MapReader r, final String key) {
        final Optional<String> value = r.optionalString(key);
        if (value.isPresent() && (value.get().isEmpty() || value.get().length() > 512)) {
            r.error(key, "must be 1 to 512 characters long, got " + value.get().length());
            return Optional.empty();
        }
        return value;
    }

    private Optional<PersistenceConfig> persistence(final MapReader r, final SchedulerKind scheduler) {
        final PersistenceType type = r.require("type") ? r.choice("type", PersistenceType.values(), null) : null;
        if (type == null) {
            return Optional.empty();
        }
        final boolean cookie = type != PersistenceType.SOURCE_IP;
        final int timeout = cookie ? r.integer("timeout", 1, 86400, 1200) : r.integer("timeout", 1, 3600, 1200);
        Optional<String> cookieName = Optional.empty();
        if (onlyFor(r, type, "cookie-name", cookie, "insert and app-cookie persistence")) {
            if (type == PersistenceType.APP_COOKIE) {
                r.require("cookie-name");
            }
            cookieName = Optional.of(r.string("cookie-name", DEFAULT_COOKIE));
            if (!TOKEN.matcher(cookieName.get()).matches()) {
                r.error("cookie-name", "must be a cookie name (1 to 64 token characters), got '" + cookieName.get() + "'");
            }
        }
        final Set<SchedulerKind> compatible = cookie ? Set.of(SchedulerKind.RR, SchedulerKind.WRR)
            : Set.of(SchedulerKind.RR, SchedulerKind.WRR, SchedulerKind.SH, SchedulerKind.MH);
        if (!compatible.contains(scheduler)) {
            r.error("type", type + " persistence works with the " + (cookie ? "rr and wrr" : "rr, wrr, sh and mh")
                + " schedulers, not " + scheduler);
        }
        return Optional.of(new PersistenceConfig(type, timeout, cookieName));
    }

    private OutlierDetectionConfig outlierDetection(final MapReader r) {
        return new OutlierDetectionConfig(r.integer("consecutive-failures", 1, 100, 5), r.integer("interval", 1, 300, 10),
            r.integer("ejection-time", 1, 3600, 30), r.integer("max-ejection-percent", 0, 100, 50));
    }

    // ---------------------------------------------------------------- control

    private ControlConfig control(final MapReader r, final NodeConfig node) {
        final Path aeronDir = r.has("aeron-dir") ? path(r, "aeron-dir") : node.runDir().resolve("aeron");
        final String channel = r.string("channel", "aeron:ipc");
        if (!channel.startsWith("aeron:ipc") && !channel.startsWith("aeron:udp?")) {
            r.error("channel", "must be an Aeron channel URI like aeron:ipc or aeron:udp?endpoint=127.0.0.1:40123, got '"
                + channel + "'");
        }
        final Optional<MetricsConfig> metrics;
        if (r.has("metrics")) {
            final MapReader m = r.section("metrics", METRICS_KEYS);
            final Endpoint address = m.require("address") ? m.parsed("address", Endpoint::parse, null) : null;
            metrics = address == null ? Optional.empty() : Optional.of(new MetricsConfig(address));
        } else {
            r.section("metrics", METRICS_KEYS);
            metrics = Optional.empty();
        }
        final Path audit = r.has("audit-log") ? path(r, "audit-log") : node.runDir().resolve("audit.log");
        return new ControlConfig(aeronDir == null ? node.runDir().resolve("aeron") : aeronDir, channel, metrics,
            audit == null ? node.runDir().resolve("audit.log") : audit);
    }

    // ---------------------------------------------------------------- helpers

    /** A required object name: letters, digits, '.', '_' and '-'. Returns "" after an error. */
    private String name(final MapReader r, final String key) {
        final String name = r.requiredString(key);
        if (!name.isEmpty() && !NAME.matcher(name).matches()) {
            r.error(key, "must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit, got '" + name + "'");
            return "";
        }
        return name;
    }

    private int powerOfTwo(final MapReader r, final String key, final int min, final int max, final int defaultValue) {
        final int value = r.integer(key, min, max, defaultValue);
        if (Integer.bitCount(value) != 1) {
            r.error(key, "must be a power of two, got " + value);
            return defaultValue;
        }
        return value;
    }

    private InterfaceConfig interfaceRef(final MapReader r, final String key, final Map<String, InterfaceConfig> interfaces) {
        final String name = r.requiredString(key);
        if (name.isEmpty()) {
            return null;
        }
        final InterfaceConfig iface = interfaces.get(name);
        if (iface == null) {
            r.error(key, "unknown interface '" + name + "'" + Suggestions.didYouMean(name, interfaces.keySet())
                + "; it must be listed in dataplane.interfaces");
        }
        return iface;
    }

    private static boolean onSubnet(final InterfaceConfig iface, final int address) {
        return iface.addresses().stream().anyMatch(c -> c.contains(address));
    }

    /** A file or directory path; relative paths are resolved against the configuration file's directory. */
    private Path path(final MapReader r, final String key) {
        final String text = r.string(key, "");
        if (text.isEmpty() || text.indexOf('\0') >= 0) {
            r.error(key, "must be a file path");
            return null;
        }
        try {
            return baseDir.resolve(text).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            r.error(key, "must be a file path: " + e.getReason());
            return null;
        }
    }

    private Path absolutePath(final MapReader r, final String key, final Path defaultValue) {
        if (!r.has(key)) {
            return defaultValue;
        }
        final String text = r.string(key, "");
        if (!text.startsWith("/")) {
            r.error(key, "must be an absolute path, got '" + text + "'");
            return defaultValue;
        }
        return Path.of(text).normalize();
    }

    private static boolean isPrime(final int n) {
        if (n < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}
