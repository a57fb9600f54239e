package io.fulcrum.tls.http;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.BackendSelector;
import io.fulcrum.tls.metrics.BackendCounters;
import io.fulcrum.tls.metrics.CounterStore;
import io.fulcrum.tls.ssl.BackendTlsContext;

import java.util.HashMap;
import java.util.Map;

/** A backend group of a running listener: settings, selector, per-backend counters and TLS towards the backends. */
final class GroupRuntime {
    final BackendGroupSettings settings;
    final BackendSelector selector;
    final Map<Backend, BackendCounters> counters = new HashMap<>();
    /** Where a backend the settings do not list is counted (a selector returning one is a bug, but not a crash). */
    private final BackendCounters unlisted;
    final boolean insertCookie;
    final boolean appCookie;
    /** TLS towards the backends, null for cleartext. */
    final BackendTlsContext tls;

    GroupRuntime(BackendGroupSettings settings, BackendSelector selector, CounterStore store) {
        this.settings = settings;
        this.selector = selector;
        for (Backend b : settings.backends()) {
            counters.put(b, new BackendCounters(settings.id(), b.id(), store));
        }
        this.unlisted = new BackendCounters("unlisted");
        this.insertCookie = settings.persistence().mode() != io.fulcrum.tls.CookiePersistenceSettings.Mode.OFF;
        this.appCookie = settings.persistence().mode() == io.fulcrum.tls.CookiePersistenceSettings.Mode.APP_COOKIE;
        this.tls = settings.tls() == null ? null : new BackendTlsContext(settings.id(), settings.tls());
    }

    BackendCounters counters(Backend b) {
        final BackendCounters c = counters.get(b);
        return c != null ? c : unlisted;
    }
}
