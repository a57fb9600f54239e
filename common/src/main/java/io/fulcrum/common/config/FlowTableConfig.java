package io.fulcrum.common.config;

/**
 * Connection tracking table ({@code dataplane.flow-table}).
 *
 * @param capacity flow entries per forwarder agent, power of two
 */
public record FlowTableConfig(
        int capacity) {
}
