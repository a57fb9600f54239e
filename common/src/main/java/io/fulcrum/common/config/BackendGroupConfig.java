package io.fulcrum.common.config;

import java.util.List;
import java.util.Optional;

/**
 * A backend group with its scheduler, health check and persistence ({@code backend-groups[]}).
 *
 * @param name unique name
 * @param scheduler scheduling algorithm
 * @param maglevTableSize Maglev lookup table size (prime) for sh and mh
 * @param backends backends in file order
 * @param healthCheck health check; empty means every backend counts as healthy
 * @param persistence session persistence, if any
 * @param drainTimeoutSeconds how long existing connections to a removed or weight-0 backend are kept (0 = cut at once)
 * @param slowStartSeconds weight ramp-up window for a backend that becomes healthy (0 = off)
 * @param allDown L4 answer to new connections when no backend is healthy
 * @param outlierDetection passive health checking, if any
 * @param protocol what the backends speak: cleartext, or HTTPS (the L7 stage re-encrypts)
 * @param tls TLS towards the backends of an https group ({@link BackendTlsConfig#DEFAULT} otherwise)
 */
public record BackendGroupConfig(
        String name,
        SchedulerKind scheduler,
        int maglevTableSize,
        List<BackendConfig> backends,
        Optional<HealthCheckConfig> healthCheck,
        Optional<PersistenceConfig> persistence,
        int drainTimeoutSeconds,
        int slowStartSeconds,
        AllDownAction allDown,
        Optional<OutlierDetectionConfig> outlierDetection,
        BackendProtocol protocol,
        BackendTlsConfig tls) {
    /** Copies collections so the record stays immutable. */
    public BackendGroupConfig {
        backends = List.copyOf(backends);
    }

    /** Whether this is a primary/backup group (one backend marked backup). */
    public boolean isPrimaryBackup() {
        return backends.stream().anyMatch(BackendConfig::backup);
    }
}
