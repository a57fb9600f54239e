package io.fulcrum.tls;

import java.net.InetSocketAddress;

/**
 * What a {@link BackendSelector} may look at when picking a backend for one HTTP request. The object is owned by the
 * client connection and reused for its next request: do not keep it.
 */
public interface RequestContext {
    /** The client's address (after a trusted PROXY header, the address it carried). */
    InetSocketAddress clientAddress();

    /** Request method, e.g. {@code GET}. */
    String method();

    /** Lower-case host without port. */
    String host();

    /** Path of the request-target, without the query. */
    String path();

    /** Value of the named cookie in the request's Cookie headers, or null. */
    String cookie(String name);

    /** Whether this backend was already tried for this request (retries must pick another one). */
    boolean alreadyTried(Backend backend);

    /** Whether the client connection is TLS (an inserted persistence cookie then gets the Secure attribute). */
    default boolean secure() {
        return false;
    }
}
