package io.fulcrum.scheduler.outlier;

/**
 * Passive health (outlier detection) settings of one backend group, validated on construction.
 *
 * @param consecutiveFailures failures in a row (summed over lanes since each lane's last success) that eject a
 *                            backend, 1–1000, default 5
 * @param baseEjectionS       first ejection time, 1–3600 s, default 30; each further ejection doubles it
 * @param maxEjectionS        cap of the ejection time, base–86400 s, default 300; a backend that stays in for
 *                            this long has its back-off reset
 * @param maxEjectionPercent  most backends of the group ejected at once, in percent (rounded down), 0–100,
 *                            default 10; 0 turns ejection off (failures are still counted)
 */
public record OutlierConfiguration(int consecutiveFailures, int baseEjectionS, int maxEjectionS, int maxEjectionPercent) {
    /** Validates every field. */
    public OutlierConfiguration {
        if (consecutiveFailures < 1 || consecutiveFailures > 1000) {
            throw new IllegalArgumentException("outlier consecutive failures must be 1-1000, got " + consecutiveFailures);
        }
        if (baseEjectionS < 1 || baseEjectionS > 3600) {
            throw new IllegalArgumentException("outlier base ejection time must be 1-3600 s, got " + baseEjectionS);
        }
        if (maxEjectionS < baseEjectionS || maxEjectionS > 86_400) {
            throw new IllegalArgumentException("outlier max ejection time must be " + baseEjectionS
                + "-86400 s (at least the base), got " + maxEjectionS);
        }
        if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
            throw new IllegalArgumentException("outlier max ejection percent must be 0-100, got " + maxEjectionPercent);
        }
    }

    /** Defaults: 5 failures, 30 s doubling up to 300 s, at most 10 % of the group. */
    public static OutlierConfiguration defaults() {
        return new OutlierConfiguration(5, 30, 300, 10);
    }
}
