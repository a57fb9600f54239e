package io.fulcrum.control.runtime;

import java.util.List;

/**
 * What {@code fulcrumctl status}, the status page and the metrics show: listeners, backend groups and backends
 * with health, weights and traffic, at one moment.
 *
 * @param node       the node's name
 * @param generation changes applied since start
 * @param listeners  listeners in configuration order
 * @param groups     backend groups in configuration order
 */
public record StatusView(String node, long generation, List<ListenerStatus> listeners, List<GroupStatus> groups) {
    /** Copies the lists. */
    public StatusView {
        listeners = List.copyOf(listeners);
        groups = List.copyOf(groups);
    }

    /**
     * One listener.
     *
     * @param name     name
     * @param protocol tcp, udp, http, https or tls
     * @param vip      virtual address
     * @param port     port
     * @param mode     fullnat, dnat or proxy
     * @param group    default backend group, empty on a redirecting listener
     * @param stats    traffic
     */
    public record ListenerStatus(String name, String protocol, String vip, int port, String mode, String group,
                                 ObjectStats stats) {
    }

    /**
     * One backend group.
     *
     * @param name           name
     * @param scheduler      scheduler token
     * @param healthChecked  whether the group has an enabled health check
     * @param healthy        backends counting as healthy
     * @param unhealthy      backends counting as unhealthy
     * @param backends       backends in configuration order
     */
    public record GroupStatus(String name, String scheduler, boolean healthChecked, int healthy, int unhealthy,
                              List<BackendStatus> backends) {
        /** Copies the list. */
        public GroupStatus {
            backends = List.copyOf(backends);
        }
    }

    /**
     * One backend.
     *
     * @param address  address
     * @param port     port
     * @param weight   0..100
     * @param backup   the backup of a primary/backup group
     * @param health   health
     * @param draining weight 0: no new connections, existing ones continue
     * @param stats    traffic
     * @param healthDetail the last health-check result and failure reason ("" if unknown)
     */
    public record BackendStatus(String address, int port, int weight, boolean backup, BackendHealth health,
                                boolean draining, ObjectStats stats, String healthDetail) {
        /** {@code address:port}, IPv6 in brackets. */
        public String endpoint() {
            return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
        }
    }
}
