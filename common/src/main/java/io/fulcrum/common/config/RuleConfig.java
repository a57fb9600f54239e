package io.fulcrum.common.config;

import java.util.Optional;

/**
 * An HTTP forwarding rule ({@code listeners[].rules[]}): host and/or path to a group or a redirect.
 *
 * @param name unique within the listener
 * @param host exact host or {@code *.} wildcard, lower case, without port
 * @param path path to match
 * @param pathMatch how the path is matched
 * @param group backend group to forward to, or empty when redirecting
 * @param redirectTo HTTPS listener to redirect to, or empty when forwarding
 */
public record RuleConfig(
        String name,
        Optional<String> host,
        Optional<String> path,
        PathMatch pathMatch,
        Optional<String> group,
        Optional<String> redirectTo) {
}
