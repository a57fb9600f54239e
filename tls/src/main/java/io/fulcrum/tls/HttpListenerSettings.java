package io.fulcrum.tls;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One HTTP listener (VIP:port) of the L7 stage.
 *
 * @param id                 listener id (access log {@code listener_id}, metrics label)
 * @param name               listener name (access log {@code listener_name})
 * @param address            VIP and port to bind
 * @param groups             backend groups the listener's rules and default refer to
 * @param defaultGroupId     group for requests no rule matches, or null (then 404)
 * @param rules              forwarding rules, at most 500
 * @param timeouts           timeouts
 * @param headers            header switches
 * @param limits             size limits
 * @param gzip               response compression
 * @param accessLog          access log, or null for none
 * @param trustedProxyCidrs  sources allowed to send a PROXY v1/v2 header; PROXY from others is refused
 * @param tls                TLS termination (an HTTPS listener), or null for plain HTTP
 * @param acl                source ACL checked at accept
 */
public record HttpListenerSettings(String id, String name, InetSocketAddress address, List<BackendGroupSettings> groups,
                                   String defaultGroupId, List<ForwardingRule> rules, TimeoutSettings timeouts,
                                   HeaderSettings headers, LimitSettings limits, GzipSettings gzip,
                                   AccessLogSettings accessLog, List<String> trustedProxyCidrs, TlsSettings tls,
                                   AclSettings acl) {
    /** Maximum number of forwarding rules per listener. */
    public static final int MAX_RULES = 500;

    /** A plain HTTP listener. */
    public HttpListenerSettings(String id, String name, InetSocketAddress address, List<BackendGroupSettings> groups,
                                String defaultGroupId, List<ForwardingRule> rules, TimeoutSettings timeouts,
                                HeaderSettings headers, LimitSettings limits, GzipSettings gzip,
                                AccessLogSettings accessLog, List<String> trustedProxyCidrs) {
        this(id, name, address, groups, defaultGroupId, rules, timeouts, headers, limits, gzip, accessLog, trustedProxyCidrs,
                null, AclSettings.OFF);
    }

    /** A listener without an ACL. */
    public HttpListenerSettings(String id, String name, InetSocketAddress address, List<BackendGroupSettings> groups,
                                String defaultGroupId, List<ForwardingRule> rules, TimeoutSettings timeouts,
                                HeaderSettings headers, LimitSettings limits, GzipSettings gzip,
                                AccessLogSettings accessLog, List<String> trustedProxyCidrs, TlsSettings tls) {
        this(id, name, address, groups, defaultGroupId, rules, timeouts, headers, limits, gzip, accessLog, trustedProxyCidrs,
                tls, AclSettings.OFF);
    }

    /** Validates references and copies lists. */
    public HttpListenerSettings {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        groups = List.copyOf(groups);
        rules = List.copyOf(rules);
        trustedProxyCidrs = List.copyOf(trustedProxyCidrs);
        timeouts = timeouts == null ? TimeoutSettings.DEFAULTS : timeouts;
        headers = headers == null ? HeaderSettings.DEFAULTS : headers;
        limits = limits == null ? LimitSettings.DEFAULTS : limits;
        gzip = gzip == null ? GzipSettings.OFF : gzip;
        acl = acl == null ? AclSettings.OFF : acl;
        name = name == null ? id : name;
        if (rules.size() > MAX_RULES) {
            throw new IllegalArgumentException("listener " + id + " has " + rules.size() + " rules, max " + MAX_RULES);
        }
        final Set<String> ids = new HashSet<>();
        for (BackendGroupSettings g : groups) {
            if (!ids.add(g.id())) {
                throw new IllegalArgumentException("listener " + id + ": duplicate group " + g.id());
            }
        }
        if (defaultGroupId != null && !ids.contains(defaultGroupId)) {
            throw new IllegalArgumentException("listener " + id + ": unknown default group " + defaultGroupId);
        }
        for (ForwardingRule r : rules) {
            if (r.groupId() != null && !ids.contains(r.groupId())) {
                throw new IllegalArgumentException("rule " + r.id() + ": unknown group " + r.groupId());
            }
        }
        for (String cidr : trustedProxyCidrs) {
            CidrSet.parse(cidr);
        }
    }

    /** A listener with one default group, no rules, default timeouts/headers/limits, no gzip, no access log. */
    public static HttpListenerSettings simple(String id, InetSocketAddress address, BackendGroupSettings group) {
        return new HttpListenerSettings(id, id, address, List.of(group), group.id(), List.of(), null, null, null, null,
                null, List.of(), null, AclSettings.OFF);
    }

    /** Copy with other rules. */
    public HttpListenerSettings withRules(List<ForwardingRule> newRules, List<BackendGroupSettings> newGroups,
                                          String newDefault) {
        return new HttpListenerSettings(id, name, address, newGroups, newDefault, newRules, timeouts, headers, limits,
                gzip, accessLog, trustedProxyCidrs, tls, acl);
    }

    /** Copy with other timeouts. */
    public HttpListenerSettings withTimeouts(TimeoutSettings t) {
        return new HttpListenerSettings(id, name, address, groups, defaultGroupId, rules, t, headers, limits, gzip,
                accessLog, trustedProxyCidrs, tls, acl);
    }

    /** Copy with other header switches. */
    public HttpListenerSettings withHeaders(HeaderSettings h) {
        return new HttpListenerSettings(id, name, address, groups, defaultGroupId, rules, timeouts, h, limits, gzip,
                accessLog, trustedProxyCidrs, tls, acl);
    }

    /** Copy with other limits. */
    public HttpListenerSettings withLimits(LimitSettings l) {
        return new HttpListenerSettings(id, name, address, groups, defaultGroupId, rules, timeouts, headers, l, gzip,
                accessLog, trustedProxyCidrs, tls, acl);
    }

    /** Copy with other gzip settings. */
    public HttpListenerSettings withGzip(GzipSettings g) {
        return new HttpListenerSettings(id, name, address, groups, defaultGroupId, rules, timeouts, headers, limits, g,
                accessLog, trustedProxyCidrs, tls, acl);
    }

    /** Copy with an access log. */
    public HttpListenerSettings withAccessLog(AccessLogSettings a) {
        return new HttpListenerSettings(id, name, address, groups, defaultGroupId, rules, timeouts, headers, limits,
                gzip, a, trustedProxyCidrs, tls, acl);
    }

    /** Copy with trusted PROXY-protocol sources. */
    public HttpListenerSettings withTrustedProxyCidrs(List<String> cidrs) {
        return new HttpListenerSettings(id, name, address, groups, defaultGroupId, rules, timeouts, headers, limits,
                gzip, accessLog, cidrs, tls, acl);
    }

    /** Copy with TLS termination (an HTTPS listener). */
    public HttpListenerSettings withTls(TlsSettings t) {
        return new HttpListenerSettings(id, name, address, groups, defaultGroupId, rules, timeouts, headers, limits, gzip,
                accessLog, trustedProxyCidrs, t, acl);
    }

    /** Copy with a source ACL. */
    public HttpListenerSettings withAcl(AclSettings a) {
        return new HttpListenerSettings(id, name, address, groups, defaultGroupId, rules, timeouts, headers, limits, gzip,
                accessLog, trustedProxyCidrs, tls, a);
    }

    /** The group with this id, or null. */
    public BackendGroupSettings group(String groupId) {
        for (BackendGroupSettings g : groups) {
            if (g.id().equals(groupId)) {
                return g;
            }
        }
        return null;
    }
}
