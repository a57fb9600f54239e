package io.fulcrum.common.config;

/**
 * Prometheus metrics endpoint ({@code control.metrics}).
 *
 * @param address listen address
 */
public record MetricsConfig(
        Endpoint address) {
}
