package io.fulcrum.control.runtime;

import java.util.List;
import java.util.Optional;

import io.fulcrum.common.config.BackendConfig;

/**
 * What the running data plane knows about the objects of the configuration: health, traffic and tracked
 * flows. The L4 and L7 wiring implements it next to their {@link RuntimeStep}; the control plane only reads
 * it (from its own thread and the HTTP thread, so implementations must be thread-safe and cheap, e.g. reading
 * published snapshots and Agrona counters). {@link CountersDataplaneState} is the implementation that reads
 * traffic from the counters file and knows no health checker and no flows.
 */
public interface DataplaneState {
    /** The health of a backend of a group that has a health check; groups without one are {@link BackendHealth#UNCHECKED}. */
    BackendHealth health(String group, BackendConfig backend);

    /** The last health-check result and, after a failure, its reason (e.g. {@code failed: connect refused}); "" if unknown. */
    default String healthDetail(final String group, final BackendConfig backend) {
        return "";
    }

    /**
     * Makes the next {@link #listenerStats} and {@link #backendStats} calls read the traffic as it is now, for a
     * consistent view (a metrics scrape or status dump reads every object once); implementations that cache a
     * reading drop it here.
     */
    default void refresh() {
    }

    /** Traffic of a listener. */
    ObjectStats listenerStats(String listener);

    /** Traffic of a backend of a group. */
    ObjectStats backendStats(String group, BackendConfig backend);

    /**
     * Tracked flows matching the filter, at most {@code limit}; empty when this build's data plane does not
     * expose its flow tables (then {@code conns} says so instead of printing nothing).
     *
     * @throws IllegalArgumentException when the filter names an unknown listener or a malformed address
     */
    Optional<List<FlowEntry>> flows(FlowFilter filter, int limit);

    /**
     * One tracked flow, as {@code ipvsadm -Lnc} prints it.
     *
     * @param protocol       {@code TCP} or {@code UDP}
     * @param expiresSeconds seconds until the flow expires
     * @param state          conntrack state, e.g. {@code ESTABLISHED}
     * @param client         client address:port
     * @param virtual        VIP:port
     * @param backend        backend address:port
     * @param listener       the listener's name
     */
    record FlowEntry(String protocol, long expiresSeconds, String state, String client, String virtual, String backend,
                     String listener) {
    }

    /**
     * Which flows to list; empty strings match everything.
     *
     * @param listener listener name
     * @param backend  backend address:port
     * @param client   client address (with or without port)
     */
    record FlowFilter(String listener, String backend, String client) {
        /** Everything. */
        public static final FlowFilter ALL = new FlowFilter("", "", "");
    }
}
