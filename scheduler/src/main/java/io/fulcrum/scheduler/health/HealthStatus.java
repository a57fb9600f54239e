package io.fulcrum.scheduler.health;

/**
 * What {@code fulcrum status} and the metrics show for one health-check target. Immutable; a new instance is
 * published after every probe.
 *
 * @param targetId             the caller's id for the target (e.g. the backend ref)
 * @param state                UNKNOWN, UP or DOWN
 * @param lastProbeOk          result of the last completed probe (false before the first)
 * @param lastFailureReason    why the last failed probe failed (kept after later successes), or null
 * @param lastChangeEpochMs    wall-clock time of the last state change (the time the target was added, at first)
 * @param lastProbeEpochMs     wall-clock time the last probe completed, 0 before the first
 * @param consecutiveSuccesses successes in a row
 * @param consecutiveFailures  failures in a row
 * @param probes               completed probes
 */
public record HealthStatus(long targetId, HealthState state, boolean lastProbeOk, String lastFailureReason,
                           long lastChangeEpochMs, long lastProbeEpochMs, int consecutiveSuccesses, int consecutiveFailures,
                           long probes) {
    /** True if the target should take new work. */
    public boolean up() {
        return state == HealthState.UP;
    }
}
