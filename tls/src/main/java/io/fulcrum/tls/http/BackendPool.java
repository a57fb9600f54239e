package io.fulcrum.tls.http;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendTlsSettings;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive connections to backends, one pool per event loop so a connection is reused only by client
 * connections of the loop it lives on (no locks, no cross-thread hand-off). Newest first (LIFO), bounded per backend,
 * idle connections older than the idle limit are closed on the next poll. Connections are kept apart by their TLS
 * settings (null: cleartext), so a group that re-encrypts never gets a cleartext connection to the same address.
 */
final class BackendPool {
    private final Map<BackendTlsSettings, Map<Backend, ArrayDeque<BackendConnection>>> idle = new HashMap<>();
    private final int maxIdlePerBackend;
    private final long maxIdleNs;

    BackendPool(int maxIdlePerBackend, long maxIdleNs) {
        this.maxIdlePerBackend = maxIdlePerBackend;
        this.maxIdleNs = maxIdleNs;
    }

    /** An idle live connection to this backend made with these TLS settings (null: cleartext), or null. */
    BackendConnection poll(Backend backend, BackendTlsSettings tls, long nowNs) {
        final Map<Backend, ArrayDeque<BackendConnection>> byBackend = idle.get(tls);
        final ArrayDeque<BackendConnection> q = byBackend == null ? null : byBackend.get(backend);
        if (q == null) {
            return null;
        }
        BackendConnection c;
        while ((c = q.pollFirst()) != null) {
            if (c.channel.isActive() && nowNs - c.idleSinceNs < maxIdleNs) {
                return c;
            }
            c.channel.close();
        }
        return null;
    }

    /** Parks a connection; closes it when the pool for the backend is full. */
    void offer(BackendConnection c, long nowNs) {
        final ArrayDeque<BackendConnection> q = idle.computeIfAbsent(c.tls, k -> new HashMap<>())
                .computeIfAbsent(c.backend, k -> new ArrayDeque<>());
        if (q.size() >= maxIdlePerBackend || !c.channel.isActive()) {
            c.channel.close();
            return;
        }
        c.owner = null;
        c.idleSinceNs = nowNs;
        q.addFirst(c);
        // watch for the backend closing it while idle
        c.channel.read();
    }

    void remove(BackendConnection c) {
        final Map<Backend, ArrayDeque<BackendConnection>> byBackend = idle.get(c.tls);
        final ArrayDeque<BackendConnection> q = byBackend == null ? null : byBackend.get(c.backend);
        if (q != null) {
            q.remove(c);
        }
    }

    void closeAll() {
        for (Map<Backend, ArrayDeque<BackendConnection>> byBackend : idle.values()) {
            for (ArrayDeque<BackendConnection> q : byBackend.values()) {
                for (BackendConnection c : q) {
                    c.channel.close();
                }
                q.clear();
            }
        }
    }
}
