package io.fulcrum.common.config;

/**
 * Passive health checking: eject backends that fail real traffic ({@code backend-groups[].outlier-detection}).
 *
 * @param consecutiveFailures failures in a row that eject a backend
 * @param intervalSeconds how often ejections are evaluated
 * @param ejectionSeconds how long an ejected backend stays out
 * @param maxEjectionPercent most of the group that may be ejected at once
 */
public record OutlierDetectionConfig(
        int consecutiveFailures,
        int intervalSeconds,
        int ejectionSeconds,
        int maxEjectionPercent) {
}
