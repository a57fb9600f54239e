package io.fulcrum.tls;

import java.util.List;
import java.util.Objects;

/**
 * A backend group as the HTTP and L4 stages see it: its id and its backends. Health, scheduling and persistence are
 * supplied by a {@link BackendSelector}.
 *
 * @param id          group id (access log {@code pool_name})
 * @param backends    the backends, at least one
 * @param persistence L7 cookie persistence, {@link CookiePersistenceSettings#OFF} when not used
 * @param tls         TLS towards the backends (HTTP listeners re-encrypt), or null for cleartext
 */
public record BackendGroupSettings(String id, List<Backend> backends, CookiePersistenceSettings persistence,
                                   BackendTlsSettings tls) {
    /** Validates and copies. */
    public BackendGroupSettings {
        Objects.requireNonNull(id, "id");
        backends = List.copyOf(backends);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("group " + id + " has no backends");
        }
        persistence = persistence == null ? CookiePersistenceSettings.OFF : persistence;
    }

    /** A cleartext group. */
    public BackendGroupSettings(String id, List<Backend> backends, CookiePersistenceSettings persistence) {
        this(id, backends, persistence, null);
    }

    /** A cleartext group without persistence. */
    public BackendGroupSettings(String id, List<Backend> backends) {
        this(id, backends, CookiePersistenceSettings.OFF, null);
    }

    /** This group with TLS towards its backends. */
    public BackendGroupSettings withTls(BackendTlsSettings backendTls) {
        return new BackendGroupSettings(id, backends, persistence, backendTls);
    }
}
