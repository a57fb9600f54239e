package io.fulcrum.tls;

/**
 * Picks the backend of one backend group for a request or an L4 connection. Called on the event loop of the client
 * connection: implementations must not block, lock or allocate in steady state. The scheduler module supplies the
 * production implementation (health, weights, persistence); {@link RoundRobinBackendSelector} is the default.
 */
public interface BackendSelector {
    /**
     * Picks a backend for a new request or connection.
     *
     * @param request the request, never null (for L4 connections only {@link RequestContext#clientAddress()} and
     *                {@link RequestContext#alreadyTried(Backend)} carry information)
     * @return the backend, or null when no healthy backend is left (→ 503 / connection refused)
     */
    Backend pick(RequestContext request);

    /**
     * The backend a persistence cookie of this request points to, when it is still healthy, or null. When this
     * returns a backend the stage does not retry another backend after a response timeout (504 at once).
     */
    default Backend persistent(RequestContext request) {
        return null;
    }

    /**
     * Value of the {@code Set-Cookie} header to add to a response of {@code backend} (status 1xx-3xx/5xx, never 4xx),
     * or null to add none. Called once per response of a group with {@code INSERT} persistence.
     */
    default String setCookie(RequestContext request, Backend backend) {
        return null;
    }

    /** A request to the backend failed (connect error, reset, timeout); passive health input. */
    default void failed(Backend backend) {
    }

    /** The backend answered a request with this status (passive health input: 5xx counts as a failure). */
    default void responded(Backend backend, int status) {
    }

    /**
     * The work a {@link #pick} or a non-null {@link #persistent} handed to {@code backend} is over (the request was
     * answered or abandoned, the L4 connection or UDP session closed). Called once per such call, on the same thread;
     * least-connection schedulers count with it.
     */
    default void released(Backend backend) {
    }

    /**
     * A response of {@code backend} carried {@code Set-Cookie: setCookie} (the header value). Called only for groups
     * with {@link CookiePersistenceSettings.Mode#APP_COOKIE} persistence, so the selector can learn the application's
     * cookie.
     */
    default void learnCookie(RequestContext request, Backend backend, String setCookie) {
    }
}
