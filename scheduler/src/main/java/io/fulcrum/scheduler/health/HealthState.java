package io.fulcrum.scheduler.health;

/** A target's health as the checker sees it. */
public enum HealthState {
    /** Added, no verdict yet: not live (a new backend goes live after its first success). */
    UNKNOWN,
    /** Live. */
    UP,
    /** Failed {@code unhealthy-threshold} probes in a row. */
    DOWN
}
