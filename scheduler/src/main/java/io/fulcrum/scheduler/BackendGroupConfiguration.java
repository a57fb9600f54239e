package io.fulcrum.scheduler;

import java.util.Objects;

/**
 * The scheduler-side settings of one backend group, validated on construction (messages name the field and
 * the range). The configuration loader maps the YAML group onto this record.
 *
 * @param name            group name, 1–128 characters
 * @param layer           L4 or L7
 * @param algorithm       rr, wrr, lc, wlc, sh, mh
 * @param lanes           number of picking threads (forwarder agents + event loops), 1–4096
 * @param capacity        most backends at once, draining ones included, 1–65536
 * @param maglevTableSize Maglev M for sh/mh, a prime in [251, 4194304], default 65537
 * @param slowStartS      slow-start ramp in seconds, 0 (off) – 3600
 * @param drainTimeoutS   drain timeout in seconds, 0 (cut at once) – 3600, default 300
 * @param noBackendAction L4 answer to new flows when no backend is eligible
 * @param healthChecked   true: a new backend takes work only after its first successful check; false: checks off,
 *                        every backend counts as healthy
 */
public record BackendGroupConfiguration(String name, Layer layer, SchedulerAlgorithm algorithm, int lanes, int capacity,
                                        int maglevTableSize, int slowStartS, int drainTimeoutS, NoBackendAction noBackendAction,
                                        boolean healthChecked) {
    /** Most backends a group can hold (slot numbers are 16 bits). */
    public static final int MAX_CAPACITY = 1 << 16;
    /** Default capacity. */
    public static final int DEFAULT_CAPACITY = 1024;
    /** Default drain timeout. */
    public static final int DEFAULT_DRAIN_TIMEOUT_S = 300;
    /** Largest slow-start and drain time. */
    public static final int MAX_SECONDS = 3600;

    /** Validates every field. */
    public BackendGroupConfiguration {
        Objects.requireNonNull(name, "group name");
        Objects.requireNonNull(layer, "group " + name + ": layer");
        Objects.requireNonNull(algorithm, "group " + name + ": scheduler");
        Objects.requireNonNull(noBackendAction, "group " + name + ": all-backends-down action");
        if (name.isEmpty() || name.length() > 128) {
            throw new IllegalArgumentException("group name must be 1-128 characters, got '" + name + "'");
        }
        if (lanes < 1 || lanes > Scheduler.MAX_LANES) {
            throw new IllegalArgumentException("group " + name + ": lanes must be 1-" + Scheduler.MAX_LANES + ", got " + lanes);
        }
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("group " + name + ": capacity must be 1-" + MAX_CAPACITY + ", got " + capacity);
        }
        if (algorithm == SchedulerAlgorithm.SH || algorithm == SchedulerAlgorithm.MH) {
            try {
                MaglevTable.validateSize(maglevTableSize);
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException("group " + name + ": " + e.getMessage(), e);
            }
        }
        if (slowStartS < 0 || slowStartS > MAX_SECONDS) {
            throw new IllegalArgumentException("group " + name + ": slow-start must be 0-3600 s (0 = off), got " + slowStartS);
        }
        if (drainTimeoutS < 0 || drainTimeoutS > MAX_SECONDS) {
            throw new IllegalArgumentException(
                "group " + name + ": drain-timeout must be 0-3600 s (0 = cut at once), got " + drainTimeoutS);
        }
    }

    /** Defaults: capacity 1024, M 65537, slow start off, drain 300 s, reset, health-checked. */
    public static BackendGroupConfiguration defaults(final String name, final Layer layer, final SchedulerAlgorithm algorithm,
                                                     final int lanes) {
        return new BackendGroupConfiguration(name, layer, algorithm, lanes, DEFAULT_CAPACITY, MaglevTable.DEFAULT_SIZE, 0,
            DEFAULT_DRAIN_TIMEOUT_S, NoBackendAction.RESET, true);
    }

    public BackendGroupConfiguration withAlgorithm(final SchedulerAlgorithm next) {
        return new BackendGroupConfiguration(name, layer, next, lanes, capacity, maglevTableSize, slowStartS, drainTimeoutS,
            noBackendAction, healthChecked);
    }

    public BackendGroupConfiguration withSlowStartS(final int seconds) {
        return new BackendGroupConfiguration(name, layer, algorithm, lanes, capacity, maglevTableSize, seconds, drainTimeoutS,
            noBackendAction, healthChecked);
    }

    public BackendGroupConfiguration withDrainTimeoutS(final int seconds) {
        return new BackendGroupConfiguration(name, layer, algorithm, lanes, capacity, maglevTableSize, slowStartS, seconds,
            noBackendAction, healthChecked);
    }

    public BackendGroupConfiguration withHealthChecked(final boolean checked) {
        return new BackendGroupConfiguration(name, layer, algorithm, lanes, capacity, maglevTableSize, slowStartS, drainTimeoutS,
            noBackendAction, checked);
    }

    public BackendGroupConfiguration withCapacity(final int slots) {
        return new BackendGroupConfiguration(name, layer, algorithm, lanes, slots, maglevTableSize, slowStartS, drainTimeoutS,
            noBackendAction, healthChecked);
    }

    public BackendGroupConfiguration withMaglevTableSize(final int size) {
        return new BackendGroupConfiguration(name, layer, algorithm, lanes, capacity, size, slowStartS, drainTimeoutS,
            noBackendAction, healthChecked);
    }

    public BackendGroupConfiguration withNoBackendAction(final NoBackendAction action) {
        return new BackendGroupConfiguration(name, layer, algorithm, lanes, capacity, maglevTableSize, slowStartS, drainTimeoutS,
            action, healthChecked);
    }
}
