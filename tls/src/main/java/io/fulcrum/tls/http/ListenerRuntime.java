package io.fulcrum.tls.http;

import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.BackendSelector;
import io.fulcrum.tls.CidrSet;
import io.fulcrum.tls.ForwardingRule;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.accesslog.AccessLogFormat;
import io.fulcrum.tls.accesslog.AccessLogWriter;
import io.fulcrum.tls.metrics.CounterStore;
import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.rules.RuleMatcher;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/** Everything a client connection of one HTTP listener needs, built once per configuration. */
public final class ListenerRuntime {
    final HttpListenerSettings settings;
    final RuleMatcher rules;
    final Map<String, GroupRuntime> groups = new HashMap<>();
    final GroupRuntime defaultGroup;
    final ListenerCounters counters;
    final CidrSet trustedProxies;
    final io.fulcrum.tls.AclSettings.Check acl;
    final HeadRewriter.RequestTemplate template;
    final AccessLogWriter accessLog;
    final AccessLogFormat accessLogFormat;
    final long clientIdleNs;
    final long requestNs;
    final int connectMs;
    final long responseNs;
    final long webSocketIdleNs;
    final GzipPolicy gzip;
    final io.fulcrum.tls.ssl.ServerTlsContext tls;
    final boolean clientCertHeaders;

    /**
     * Runtime of a listener.
     *
     * @param settings  listener settings
     * @param selectors selector factory per group
     * @param accessLog shared writer for the listener's access-log file, or null
     * @param statics   static access-log values (lb name, tenant...)
     */
    public ListenerRuntime(HttpListenerSettings settings, Function<BackendGroupSettings, BackendSelector> selectors,
                           AccessLogWriter accessLog, Map<String, String> statics) {
        this(settings, selectors, accessLog, statics, CounterStore.heap());
    }

    /**
     * Runtime of a listener whose counters live in a store.
     *
     * @param settings  listener settings
     * @param selectors selector factory per group
     * @param accessLog shared writer for the listener's access-log file, or null
     * @param statics   static access-log values (lb name, tenant...)
     * @param store     where the listener's, its backends' and its TLS counters live
     */
    public ListenerRuntime(HttpListenerSettings settings, Function<BackendGroupSettings, BackendSelector> selectors,
                           AccessLogWriter accessLog, Map<String, String> statics, CounterStore store) {
        this.settings = settings;
        this.rules = new RuleMatcher(settings.rules());
        for (BackendGroupSettings g : settings.groups()) {
            groups.put(g.id(), new GroupRuntime(g, selectors.apply(g), store));
        }
        this.defaultGroup = settings.defaultGroupId() == null ? null : groups.get(settings.defaultGroupId());
        this.counters = new ListenerCounters(settings.id(), store);
        this.trustedProxies = CidrSet.of(settings.trustedProxyCidrs());
        this.acl = settings.acl().check();
        this.tls = settings.tls() == null ? null
                : new io.fulcrum.tls.ssl.ServerTlsContext(settings.id(), settings.tls(), true, store);
        this.clientCertHeaders = tls != null && settings.tls().clientAuth() != io.fulcrum.tls.TlsSettings.ClientAuth.OFF
                && settings.tls().clientCertHeaders();
        this.template = new HeadRewriter.RequestTemplate(settings.headers(), tls == null ? "http" : "https",
                tls != null && settings.tls().clientAuth() != io.fulcrum.tls.TlsSettings.ClientAuth.OFF);
        this.accessLog = accessLog;
        this.accessLogFormat = settings.accessLog() == null ? null
                : AccessLogFormat.compile(settings.accessLog().format(), statics);
        this.clientIdleNs = settings.timeouts().clientIdle().toNanos();
        this.requestNs = settings.timeouts().request().toNanos();
        this.connectMs = (int) Math.min(Integer.MAX_VALUE, settings.timeouts().backendConnect().toMillis());
        this.responseNs = settings.timeouts().response().toNanos();
        this.webSocketIdleNs = settings.timeouts().webSocketIdle().toNanos();
        this.gzip = new GzipPolicy(settings.gzip());
    }

    /** Counters of the listener. */
    public ListenerCounters counters() {
        return counters;
    }

    /** TLS of an HTTPS listener, or null. */
    public io.fulcrum.tls.ssl.ServerTlsContext tls() {
        return tls;
    }

    /** Settings. */
    public HttpListenerSettings settings() {
        return settings;
    }

    /** Counters of every backend, keyed by group id then backend id. */
    public Map<String, Map<String, io.fulcrum.tls.metrics.BackendCounters>> backendCounters() {
        final Map<String, Map<String, io.fulcrum.tls.metrics.BackendCounters>> m = new HashMap<>();
        groups.forEach((id, g) -> {
            final Map<String, io.fulcrum.tls.metrics.BackendCounters> inner = new HashMap<>();
            g.counters.forEach((b, c) -> inner.put(b.id(), c));
            m.put(id, inner);
        });
        return m;
    }

    GroupRuntime route(ForwardingRule rule) {
        return rule == null ? defaultGroup : groups.get(rule.groupId());
    }
}
