package io.fulcrum.tls;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A forwarding rule of an HTTP listener: a host (exact, or {@code *.}-wildcard), a path, or both (AND). The rule
 * forwards to a backend group or redirects.
 *
 * @param id        rule id (for logs)
 * @param host      host to match (case-insensitive, no port), {@code *.example.com} for any sub-domain, or null
 * @param path      path to match, or null
 * @param pathMatch how {@code path} is matched
 * @param groupId   backend group to forward to (null when redirecting)
 * @param redirect  redirect instead of forwarding, or null
 */
public record ForwardingRule(String id, String host, String path, PathMatch pathMatch, String groupId,
                             RedirectSettings redirect) {
    /** Path match kinds, in priority order. */
    public enum PathMatch {
        /** The path equals {@code path}. */
        EXACT,
        /** The path starts with {@code path}; the longest prefix wins. */
        PREFIX,
        /** {@code path} is a regular expression matched against the whole path; the first matching rule wins. */
        REGEX
    }

    /** Validates and normalises the host to lower case. */
    public ForwardingRule {
        Objects.requireNonNull(id, "id");
        if (host == null && path == null) {
            throw new IllegalArgumentException("rule " + id + " needs a host, a path or both");
        }
        if (host != null) {
            host = host.toLowerCase(Locale.ROOT);
            final String bare = host.startsWith("*.") ? host.substring(2) : host;
            if (bare.isEmpty() || bare.contains("*") || bare.contains(":") || bare.contains("/")) {
                throw new IllegalArgumentException("rule " + id + ": bad host " + host);
            }
        }
        if (path != null) {
            Objects.requireNonNull(pathMatch, "pathMatch");
            if (pathMatch == PathMatch.REGEX) {
                Pattern.compile(path);
            } else if (!path.startsWith("/")) {
                throw new IllegalArgumentException("rule " + id + ": path must start with /: " + path);
            }
        }
        if ((groupId == null) == (redirect == null)) {
            throw new IllegalArgumentException("rule " + id + " needs exactly one of group or redirect");
        }
    }

    /** A forwarding rule. */
    public static ForwardingRule forward(String id, String host, String path, PathMatch match, String groupId) {
        return new ForwardingRule(id, host, path, path == null ? null : match, groupId, null);
    }
}
