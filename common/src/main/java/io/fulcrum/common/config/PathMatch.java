package io.fulcrum.common.config;

/** How a forwarding rule's path is compared with the request path. */
public enum PathMatch {
    /** The path is identical. */
    EXACT("exact"),
    /** The path starts with it (longest prefix wins). */
    PREFIX("prefix"),
    /** The path matches the regular expression (first in order wins). */
    REGEX("regex");

    private final String token;

    PathMatch(final String token) {
        this.token = token;
    }

    /** The word used in the configuration file. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
