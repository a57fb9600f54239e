package io.fulcrum.scheduler;

/**
 * A backend's state in one snapshot, by precedence: draining and drained (administrative) win over
 * down (health), which wins over ejected (outlier detection), which wins over standby (backup while a
 * primary serves). Only {@link #UP} backends with an effective weight above 0 take new work.
 */
public enum BackendState {
    /** Takes new work. */
    UP,
    /** Failed its health check (or has not passed its first check yet): no new work, existing flows continue. */
    DOWN,
    /** Ejected by outlier detection for a back-off period: no new work, existing flows continue. */
    EJECTED,
    /** A backup while a primary is eligible: no new work. */
    STANDBY,
    /** Weight 0 or removed, drain deadline not reached: no new work, existing flows continue. */
    DRAINING,
    /** Weight 0 and the drain deadline passed: existing flows must be reset ({@link GroupSnapshot#admitsExisting}). */
    DRAINED;

    private static final BackendState[] VALUES = values();

    static BackendState of(final int ordinal) {
        return VALUES[ordinal];
    }
}
