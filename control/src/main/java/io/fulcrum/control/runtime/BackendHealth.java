package io.fulcrum.control.runtime;

/** A backend's health as the status, metrics and ipvsadm views show it. */
public enum BackendHealth {
    /** The health check says up. */
    HEALTHY("healthy"),
    /** The health check says down. */
    UNHEALTHY("unhealthy"),
    /** The group has no health check (or it is disabled): every backend counts as healthy. */
    UNCHECKED("unchecked"),
    /** Checked, but no result yet (a new backend is live after its first success). */
    PENDING("pending");

    private final String label;

    BackendHealth(final String label) {
        this.label = label;
    }

    /** Whether the backend may take new connections as far as health goes. */
    public boolean countsAsHealthy() {
        return this == HEALTHY || this == UNCHECKED;
    }

    /** The lower-case word shown to operators. */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
