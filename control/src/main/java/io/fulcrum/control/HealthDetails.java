package io.fulcrum.control;

import io.fulcrum.scheduler.health.HealthStatus;

/** How a backend's last health-check result reads in {@code fulcrumctl status}, the status page and metrics. */
final class HealthDetails {
    private HealthDetails() {
    }

    /** {@code ok (N probes)}, or {@code failed: <reason>}, or "" before the first probe. */
    static String describe(final HealthStatus status) {
        if (status == null || status.probes() == 0) {
            return "";
        }
        if (status.lastProbeOk()) {
            return "ok (" + status.probes() + " probes)";
        }
        final String reason = status.lastFailureReason();
        return "failed: " + (reason == null || reason.isEmpty() ? "no answer" : reason);
    }
}
