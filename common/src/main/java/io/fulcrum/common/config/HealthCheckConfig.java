package io.fulcrum.common.config;

import java.util.Optional;
import java.util.Set;

/**
 * A backend group's active health check ({@code backend-groups[].health-check}).
 *
 * @param enabled false keeps the settings but treats every backend as healthy
 * @param type probe kind
 * @param intervalSeconds time between probes
 * @param timeoutSeconds probe timeout, already capped at the interval
 * @param healthyThreshold consecutive successes to mark a backend up
 * @param unhealthyThreshold consecutive failures to mark a backend down
 * @param port probe port, or 0 for each backend's own port
 * @param method HTTP method (HTTP, HTTPS)
 * @param path HTTP path (HTTP, HTTPS)
 * @param host HTTP Host header; empty means the backend's IP (HTTP, HTTPS)
 * @param expectedStatusClasses healthy status classes 2..5 (HTTP, HTTPS)
 * @param udpRequest UDP probe payload (UDP)
 * @param udpExpect expected UDP reply prefix; when set, a reply is required (UDP)
 */
public record HealthCheckConfig(
        boolean enabled,
        HealthCheckType type,
        int intervalSeconds,
        int timeoutSeconds,
        int healthyThreshold,
        int unhealthyThreshold,
        int port,
        HealthCheckMethod method,
        String path,
        Optional<String> host,
        Set<Integer> expectedStatusClasses,
        Optional<String> udpRequest,
        Optional<String> udpExpect) {
    /** Copies collections so the record stays immutable. */
    public HealthCheckConfig {
        expectedStatusClasses = Set.copyOf(expectedStatusClasses);
    }
}
