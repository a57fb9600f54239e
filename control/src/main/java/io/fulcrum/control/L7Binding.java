package io.fulcrum.control;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fulcrum.common.config.AccessLogConfig;
import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.BackendGroupConfig;
import io.fulcrum.common.config.BackendProtocol;
import io.fulcrum.common.config.BackendTlsConfig;
import io.fulcrum.common.config.ForwardingMode;
import io.fulcrum.common.config.GzipConfig;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.HeadersConfig;
import io.fulcrum.common.config.IpAddress;
import io.fulcrum.common.config.IpCidr;
import io.fulcrum.common.config.ListenerConfig;
import io.fulcrum.common.config.ListenerProtocol;
import io.fulcrum.common.config.PersistenceConfig;
import io.fulcrum.common.config.PersistenceType;
import io.fulcrum.common.config.RuleConfig;
import io.fulcrum.common.config.TimeoutsConfig;
import io.fulcrum.tls.AccessLogSettings;
import io.fulcrum.tls.AclSettings;
import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.BackendTlsSettings;
import io.fulcrum.tls.CookiePersistenceSettings;
import io.fulcrum.tls.ForwardingRule;
import io.fulcrum.tls.GzipSettings;
import io.fulcrum.tls.HeaderSettings;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.L4ListenerSettings;
import io.fulcrum.tls.LimitSettings;
import io.fulcrum.tls.ProxyProtocolVersion;
import io.fulcrum.tls.RedirectSettings;
import io.fulcrum.tls.TimeoutSettings;
import io.fulcrum.tls.TlsSettings;

/**
 * Maps the YAML model ({@link FulcrumConfig}) onto the settings records of the L7/proxy stage: {@code http}
 * listeners to {@link HttpListenerSettings}, {@code tcp}/{@code udp} listeners in {@code mode: proxy} to
 * {@link L4ListenerSettings}. Packet-mode listeners (fullnat, dnat) belong to the forwarder and are not mapped here.
 * The configuration was validated by the loader; this class only translates.
 */
final class L7Binding {
    /** Access-log entries queued per file before new ones are dropped (and counted). */
    static final int ACCESS_LOG_QUEUE = 16 * 1024;

    private L7Binding() {
    }

    /** Whether the L7/proxy stage serves this listener (rather than the packet forwarder). */
    static boolean servedByStage(final ListenerConfig listener) {
        return !listener.protocol().isL4() || listener.mode() == ForwardingMode.PROXY;
    }

    /** The listeners the stage serves, in file order. */
    static List<ListenerConfig> stageListeners(final FulcrumConfig config) {
        return config.listeners().stream().filter(L7Binding::servedByStage).toList();
    }

    /** The backend groups the stage's listeners refer to (directly or through rules), in file order. */
    static List<BackendGroupConfig> stageGroups(final FulcrumConfig config) {
        final java.util.Set<String> used = new java.util.HashSet<>();
        for (final ListenerConfig l : stageListeners(config)) {
            l.group().ifPresent(used::add);
            l.rules().forEach(r -> r.group().ifPresent(used::add));
        }
        return config.backendGroups().stream().filter(g -> used.contains(g.name())).toList();
    }

    /** HTTP listeners of the stage. */
    static List<HttpListenerSettings> httpListeners(final FulcrumConfig config) {
        final List<HttpListenerSettings> out = new ArrayList<>();
        for (final ListenerConfig l : stageListeners(config)) {
            if (l.protocol() == ListenerProtocol.HTTP) {
                out.add(http(l, config));
            } else if (l.protocol() == ListenerProtocol.HTTPS) {
                out.add(http(l, config).withTls(tls(l)));
            }
        }
        return out;
    }

    /** Proxy-mode TCP and UDP listeners of the stage. */
    static List<L4ListenerSettings> l4Listeners(final FulcrumConfig config) {
        final List<L4ListenerSettings> out = new ArrayList<>();
        for (final ListenerConfig l : stageListeners(config)) {
            final TimeoutsConfig t = l.timeouts();
            if (l.protocol().isL4()) {
                out.add(new L4ListenerSettings(l.name(), l.protocol() == ListenerProtocol.TCP
                    ? L4ListenerSettings.Protocol.TCP : L4ListenerSettings.Protocol.UDP, address(l),
                    group(config, l.group().orElseThrow()), proxyProtocol(l), Duration.ofSeconds(t.idleSeconds()),
                    Duration.ofSeconds(t.backendConnectSeconds()), t.resetOnExpiry(), null, acl(l)));
            } else if (l.protocol() == ListenerProtocol.TLS) {
                out.add(new L4ListenerSettings(l.name(), L4ListenerSettings.Protocol.TCP, address(l),
                    group(config, l.group().orElseThrow()), proxyProtocol(l), Duration.ofSeconds(t.idleSeconds()),
                    Duration.ofSeconds(t.backendConnectSeconds()), false, tls(l), acl(l)));
            }
        }
        return out;
    }

    static HttpListenerSettings http(final ListenerConfig l, final FulcrumConfig config) {
        final Map<String, BackendGroupSettings> groups = new LinkedHashMap<>();
        l.group().ifPresent(g -> groups.put(g, group(config, g)));
        final List<ForwardingRule> rules = new ArrayList<>();
        if (l.redirectTo().isPresent()) {
            rules.add(new ForwardingRule("redirect-to-" + l.redirectTo().get(), null, "/", ForwardingRule.PathMatch.PREFIX,
                null, redirect(config, l.redirectTo().get())));
        }
        for (final RuleConfig r : l.rules()) {
            r.group().ifPresent(g -> groups.computeIfAbsent(g, name -> group(config, name)));
            final ForwardingRule.PathMatch match = switch (r.pathMatch()) {
                case EXACT -> ForwardingRule.PathMatch.EXACT;
                case PREFIX -> ForwardingRule.PathMatch.PREFIX;
                case REGEX -> ForwardingRule.PathMatch.REGEX;
            };
            rules.add(new ForwardingRule(r.name(), r.host().orElse(null), r.path().orElse(null),
                r.path().isPresent() ? match : null, r.group().orElse(null),
                r.redirectTo().map(target -> redirect(config, target)).orElse(null)));
        }
        final TimeoutsConfig t = l.timeouts();
        final TimeoutSettings timeouts = new TimeoutSettings(Duration.ofSeconds(t.idleSeconds()),
            Duration.ofSeconds(t.requestSeconds()), Duration.ofSeconds(t.backendConnectSeconds()),
            Duration.ofSeconds(t.responseSeconds()), Duration.ofSeconds(t.websocketIdleSeconds()));
        final HeadersConfig h = l.headers();
        final HeaderSettings headers = new HeaderSettings(h.xForwardedFor(), h.xRealIp(), h.xForwardedProto(),
            h.xForwardedPort(), h.xForwardedHost(), h.nodeIdentityHeader().orElse(null),
            h.nodeIdentityHeader().isPresent() ? config.node().name() : null);
        final LimitSettings limits = new LimitSettings(LimitSettings.DEFAULTS.maxHeaderBytes(),
            LimitSettings.DEFAULTS.maxUriBytes(), l.maxBodyBytes());
        final AccessLogSettings accessLog = l.accessLog().filter(AccessLogConfig::enabled)
            .map(a -> new AccessLogSettings(a.path(), a.format(), a.maxFileBytes(), false, ACCESS_LOG_QUEUE, a.maxFiles()))
            .orElse(null);
        final GzipConfig g = l.gzip();
        final GzipSettings gzip = g.enabled() ? new GzipSettings(true, java.util.Set.copyOf(g.types()), g.minBytes(), g.level())
            : GzipSettings.OFF;
        return new HttpListenerSettings(l.name(), l.name(), address(l), List.copyOf(groups.values()), l.group().orElse(null),
            rules, timeouts, headers, limits, gzip, accessLog, l.proxyProtocolFrom().stream().map(IpCidr::toString).toList(),
            null, acl(l));
    }

    /** The listener's ACL for the stage: checked at accept, before anything is read. */
    static AclSettings acl(final ListenerConfig l) {
        final AclSettings.Mode mode = switch (l.acl().mode()) {
            case OFF -> AclSettings.Mode.OFF;
            case ALLOW -> AclSettings.Mode.ALLOW;
            case DENY -> AclSettings.Mode.DENY;
        };
        return mode == AclSettings.Mode.OFF ? AclSettings.OFF
            : new AclSettings(mode, l.acl().cidrs().stream().map(IpCidr::toString).toList());
    }

    /** TLS of an https or tls listener: certificates, policy, mutual TLS (identities passed on), HTTP/2. */
    static TlsSettings tls(final ListenerConfig l) {
        final List<TlsSettings.Certificate> certificates = l.certificates().stream()
            .map(c -> new TlsSettings.Certificate(c.cert(), c.key())).toList();
        final TlsSettings.Policy policy = switch (l.tlsPolicy()) {
            case TLS_1_2 -> TlsSettings.Policy.TLS_1_2;
            case TLS_1_2_STRICT -> TlsSettings.Policy.TLS_1_2_STRICT;
            case TLS_1_3 -> TlsSettings.Policy.TLS_1_3;
            case COMPAT -> TlsSettings.Policy.COMPAT;
        };
        final TlsSettings.ClientAuth clientAuth = switch (l.mtls().mode()) {
            case OFF -> TlsSettings.ClientAuth.OFF;
            case REQUIRED -> TlsSettings.ClientAuth.REQUIRED;
            case OPTIONAL -> TlsSettings.ClientAuth.OPTIONAL;
        };
        return new TlsSettings(certificates, policy, clientAuth, l.mtls().ca().orElse(null),
            l.protocol() == ListenerProtocol.HTTPS && l.http2(), true);
    }

    /** Warnings about certificates that are expired or not valid yet: {@code listeners[name].certificates[i]: reason}. */
    static List<String> certificateWarnings(final FulcrumConfig config) {
        final List<String> warnings = new ArrayList<>();
        final java.time.Instant now = java.time.Instant.now();
        for (final ListenerConfig l : config.listeners()) {
            for (int i = 0; i < l.certificates().size(); i++) {
                final io.fulcrum.common.config.CertificateConfig c = l.certificates().get(i);
                try {
                    final int index = i;
                    io.fulcrum.common.config.PemFiles.validityWarning(c.cert(), io.fulcrum.common.config.PemFiles.load(c.cert(),
                        c.key()), now).ifPresent(w -> warnings.add("listener '" + l.name() + "' certificates[" + index
                        + "].cert: " + w));
                } catch (final io.fulcrum.common.config.PemFiles.PemException e) {
                    warnings.add("listener '" + l.name() + "' certificates[" + i + "]: " + e.getMessage());
                }
            }
        }
        return warnings;
    }

    private static RedirectSettings redirect(final FulcrumConfig config, final String httpsListener) {
        return new RedirectSettings("https", config.listener(httpsListener).orElseThrow().port());
    }

    private static ProxyProtocolVersion proxyProtocol(final ListenerConfig l) {
        return switch (l.proxyProtocol()) {
            case OFF -> ProxyProtocolVersion.NONE;
            case V1 -> ProxyProtocolVersion.V1;
            case V2 -> ProxyProtocolVersion.V2;
        };
    }

    static BackendGroupSettings group(final FulcrumConfig config, final String name) {
        final BackendGroupConfig g = config.backendGroup(name).orElseThrow();
        final List<Backend> backends = g.backends().stream().map(L7Binding::backend).toList();
        final BackendGroupSettings settings = new BackendGroupSettings(g.name(), backends,
            persistence(g.persistence().orElse(null)));
        if (g.protocol() != BackendProtocol.HTTPS) {
            return settings;
        }
        final BackendTlsConfig t = g.tls();
        return settings.withTls(new BackendTlsSettings(t.verify(), t.ca().orElse(null), t.serverName().orElse(null)));
    }

    private static CookiePersistenceSettings persistence(final PersistenceConfig p) {
        if (p == null || p.type() == PersistenceType.SOURCE_IP) {
            return CookiePersistenceSettings.OFF;
        }
        final CookiePersistenceSettings.Mode mode = p.type() == PersistenceType.INSERT
            ? CookiePersistenceSettings.Mode.INSERT : CookiePersistenceSettings.Mode.APP_COOKIE;
        return new CookiePersistenceSettings(mode, p.cookieName().orElse("FULCRUM_ID"), Duration.ofSeconds(p.timeoutSeconds()));
    }

    /**
     * The stage's identity of a configured backend: id {@code ip:port} ({@code [ip]:port} for IPv6), written as the
     * configuration writes endpoints, so the stage's counter labels match the status views' keys.
     */
    static Backend backend(final BackendConfig b) {
        final InetSocketAddress address = new InetSocketAddress(inetAddress(b.address()), b.port());
        return new Backend(new io.fulcrum.common.config.Endpoint(b.address(), b.port()).toString(), address, b.weight());
    }

    static InetSocketAddress address(final ListenerConfig l) {
        return new InetSocketAddress(inetAddress(l.vip()), l.port());
    }

    static InetAddress inetAddress(final IpAddress ip) {
        final byte[] bytes = ip.isIpv4() ? ByteBuffer.allocate(4).putInt(ip.ipv4()).array()
            : ByteBuffer.allocate(16).putLong(ip.high()).putLong(ip.low()).array();
        try {
            return InetAddress.getByAddress(bytes);
        } catch (final UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + ip, e);
        }
    }
}
