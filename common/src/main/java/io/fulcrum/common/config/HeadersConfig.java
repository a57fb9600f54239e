package io.fulcrum.common.config;

import java.util.Optional;

/**
 * Headers the L7 stage adds towards backends ({@code listeners[].headers}).
 *
 * @param xForwardedFor append the client address to X-Forwarded-For
 * @param xRealIp set X-Real-IP
 * @param xForwardedProto set X-Forwarded-Proto
 * @param xForwardedPort set X-Forwarded-Port
 * @param xForwardedHost set X-Forwarded-Host
 * @param nodeIdentityHeader header carrying the node name, if set
 */
public record HeadersConfig(
        boolean xForwardedFor,
        boolean xRealIp,
        boolean xForwardedProto,
        boolean xForwardedPort,
        boolean xForwardedHost,
        Optional<String> nodeIdentityHeader) {
}
