package io.fulcrum.common.config;

/**
 * A backend server ({@code backend-groups[].backends[]}).
 *
 * @param address IPv4 or IPv6 address
 * @param port port 1..65535
 * @param weight 0..100; 0 takes no new connections (drain)
 * @param backup the backup of a primary/backup group
 */
public record BackendConfig(
        IpAddress address,
        int port,
        int weight,
        boolean backup) {
}
