package io.fulcrum.tls;

import java.time.Duration;

/**
 * L7 timeouts of a listener (PRODUCT.md "L7 timeouts").
 *
 * @param clientIdle     keep-alive idle time between requests (0..4000 s, 0 = close after each response)
 * @param request        time to receive the request head, and the longest gap between body reads (→ 408)
 * @param backendConnect backend connect timeout (→ next backend)
 * @param response       time to the response head and between response reads (→ retry or 504)
 * @param webSocketIdle  idle time of a tunnelled WebSocket in both directions
 */
public record TimeoutSettings(Duration clientIdle, Duration request, Duration backendConnect, Duration response,
                              Duration webSocketIdle) {
    /** PRODUCT.md defaults: 60 s, 60 s, 5 s, 60 s, 60 s. */
    public static final TimeoutSettings DEFAULTS = new TimeoutSettings(Duration.ofSeconds(60), Duration.ofSeconds(60),
            Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(60));

    /** Validates ranges. */
    public TimeoutSettings {
        if (clientIdle.isNegative() || clientIdle.toSeconds() > 4000) {
            throw new IllegalArgumentException("client idle timeout must be 0..4000 s: " + clientIdle);
        }
        requirePositive("request", request);
        requirePositive("backend connect", backendConnect);
        requirePositive("response", response);
        requirePositive("websocket idle", webSocketIdle);
    }

    private static void requirePositive(final String what, final Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(what + " timeout must be positive: " + d);
        }
    }
}
