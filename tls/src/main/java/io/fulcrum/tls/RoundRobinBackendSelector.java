package io.fulcrum.tls;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Default selector: plain round robin over the backends with a non-zero weight, skipping backends already tried for
 * the request. With {@link CookiePersistenceSettings.Mode#INSERT} it honours and inserts a cookie whose value is the
 * backend id. Every backend is considered healthy (health comes from the scheduler module's selector).
 */
public final class RoundRobinBackendSelector implements BackendSelector {
    private final Backend[] backends;
    private final AtomicInteger next = new AtomicInteger();
    private final CookiePersistenceSettings persistence;

    /** A selector over the group's backends. */
    public RoundRobinBackendSelector(BackendGroupSettings group) {
        final List<Backend> live = group.backends().stream().filter(b -> b.weight() > 0).toList();
        this.backends = live.toArray(new Backend[0]);
        this.persistence = group.persistence();
    }

    @Override
    public Backend pick(RequestContext request) {
        final Backend[] all = backends;
        final int n = all.length;
        if (n == 0) {
            return null;
        }
        final int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            final Backend b = all[(start + i) % n];
            if (!request.alreadyTried(b)) {
                return b;
            }
        }
        return null;
    }

    @Override
    public Backend persistent(RequestContext request) {
        if (persistence.mode() != CookiePersistenceSettings.Mode.INSERT) {
            return null;
        }
        final String id = request.cookie(persistence.cookieName());
        if (id == null) {
            return null;
        }
        for (Backend b : backends) {
            if (b.id().equals(id)) {
                return b;
            }
        }
        return null;
    }

    @Override
    public String setCookie(RequestContext request, Backend backend) {
        if (persistence.mode() != CookiePersistenceSettings.Mode.INSERT) {
            return null;
        }
        if (backend.id().equals(request.cookie(persistence.cookieName()))) {
            return null;
        }
        return persistence.cookieName() + "=" + backend.id() + "; Path=/; Max-Age=" + persistence.timeout().toSeconds()
                + "; HttpOnly";
    }
}
