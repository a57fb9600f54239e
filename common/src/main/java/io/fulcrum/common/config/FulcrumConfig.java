package io.fulcrum.common.config;

import java.util.List;
import java.util.Optional;

/**
 * A whole, validated Fulcrum configuration file. Immutable; produced only by {@link ConfigLoader}.
 *
 * @param node this load balancer node
 * @param dataplane the packet forwarder
 * @param listeners listeners in file order
 * @param backendGroups backend groups in file order
 * @param control control channel, metrics and audit log
 */
public record FulcrumConfig(
        NodeConfig node,
        DataplaneConfig dataplane,
        List<ListenerConfig> listeners,
        List<BackendGroupConfig> backendGroups,
        ControlConfig control) {
    /** Copies collections so the record stays immutable. */
    public FulcrumConfig {
        listeners = List.copyOf(listeners);
        backendGroups = List.copyOf(backendGroups);
    }

    /** The listener with this name, if any. */
    public Optional<ListenerConfig> listener(final String name) {
        return listeners.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** The backend group with this name, if any. */
    public Optional<BackendGroupConfig> backendGroup(final String name) {
        return backendGroups.stream().filter(g -> g.name().equals(name)).findFirst();
    }
}
