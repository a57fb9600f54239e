package io.fulcrum.scheduler.health;

/**
 * Told about every state change of a target, on the health checker's thread: it must not block (e.g. call
 * {@link io.fulcrum.scheduler.BackendGroup#setHealthy}, which rebuilds and publishes a snapshot, then return).
 */
@FunctionalInterface
public interface HealthListener {
    /**
     * @param targetId the id the target was added with
     * @param up       true if it is now live
     * @param status   the status after the change
     */
    void onHealthChanged(long targetId, boolean up, HealthStatus status);
}
