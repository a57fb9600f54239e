package io.fulcrum.common.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Control plane: Aeron control channel, metrics endpoint and audit log ({@code control:}).
 *
 * @param aeronDir Aeron media driver directory; default {@code <run-dir>/aeron}
 * @param channel Aeron channel URI of the control stream
 * @param metrics Prometheus endpoint, if served
 * @param auditLog audit log file; default {@code <run-dir>/audit.log}
 */
public record ControlConfig(
        Path aeronDir,
        String channel,
        Optional<MetricsConfig> metrics,
        Path auditLog) {
}
