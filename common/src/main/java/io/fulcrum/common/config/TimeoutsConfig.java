package io.fulcrum.common.config;

/**
 * A listener's timeouts in seconds ({@code listeners[].timeouts}); defaults depend on the protocol.
 *
 * @param idleSeconds idle timeout: TCP established / UDP session / TLS idle / HTTP client keep-alive
 * @param requestSeconds HTTP: gap while receiving a request before 408
 * @param responseSeconds HTTP: wait for a backend response before retry or 504
 * @param backendConnectSeconds HTTP and TLS: backend connect timeout before the next backend
 * @param websocketIdleSeconds HTTP: WebSocket idle timeout
 * @param resetOnExpiry TCP: send RST to both sides when an established flow expires
 */
public record TimeoutsConfig(
        int idleSeconds,
        int requestSeconds,
        int responseSeconds,
        int backendConnectSeconds,
        int websocketIdleSeconds,
        boolean resetOnExpiry) {
}
