package io.fulcrum.common.config;

import java.nio.file.Path;

/**
 * The load balancer node ({@code node:}).
 *
 * @param name node name, used in metrics, logs and the default run directory
 * @param runDir directory for the counters file and other run-time files; default {@code /dev/shm/fulcrum-<name>}
 */
public record NodeConfig(
        String name,
        Path runDir) {
}
