package io.fulcrum.common.config;

import java.util.Optional;

/**
 * Session persistence ({@code backend-groups[].persistence}).
 *
 * @param type source-ip (L4), insert or app-cookie (L7)
 * @param timeoutSeconds how long a client stays with its backend
 * @param cookieName cookie name (insert: default FULCRUM_ID; app-cookie: required)
 */
public record PersistenceConfig(
        PersistenceType type,
        int timeoutSeconds,
        Optional<String> cookieName) {
}
