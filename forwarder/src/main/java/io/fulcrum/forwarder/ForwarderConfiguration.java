package io.fulcrum.forwarder;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything one forwarder agent needs, as plain values (the YAML model is bound to this by the
 * conductor). One agent serves one port per interface, in the order of {@link #interfaces()}.
 *
 * @param agentId                the agent's number (0..), used in thread names and counter labels.
 * @param interfaces             the interfaces (one port each), at least one, unique names.
 * @param staticNeighbours       neighbours that never age; each names one of {@code interfaces}.
 * @param reachableTimeMs        how long a learned neighbour stays usable after it was last confirmed (&gt; 0).
 * @param resolveRetryIntervalMs the least time between two ARP requests for the same address (&gt; 0).
 * @param neighbourCapacity      the neighbour table's slot count, a power of two (it holds up to 3/4 of it).
 * @param maxPendingResolutions  how many addresses may be under resolution at once (1..neighbourCapacity/2).
 * @param batchSize              frames received per port per duty cycle (1..1024).
 * @param idle                   the idle strategy.
 * @param cpu                    the CPU to pin the agent thread to, or -1 for no pinning.
 * @param realtimePriority       the SCHED_FIFO priority (1..99) for the agent thread, or 0 for the default policy.
 */
public record ForwarderConfiguration(
    int agentId,
    List<InterfaceConfiguration> interfaces,
    List<StaticNeighbourConfiguration> staticNeighbours,
    long reachableTimeMs,
    long resolveRetryIntervalMs,
    int neighbourCapacity,
    int maxPendingResolutions,
    int batchSize,
    IdleConfiguration idle,
    int cpu,
    int realtimePriority) {

    public static final long DEFAULT_REACHABLE_TIME_MS = 30_000;
    public static final long DEFAULT_RESOLVE_RETRY_INTERVAL_MS = 1_000;
    public static final int DEFAULT_NEIGHBOUR_CAPACITY = 1024;
    public static final int DEFAULT_MAX_PENDING_RESOLUTIONS = 64;
    public static final int DEFAULT_BATCH_SIZE = 64;

    public ForwarderConfiguration {
        Objects.requireNonNull(interfaces, "interfaces");
        Objects.requireNonNull(staticNeighbours, "staticNeighbours");
        Objects.requireNonNull(idle, "idle");
        interfaces = List.copyOf(interfaces);
        staticNeighbours = List.copyOf(staticNeighbours);
        if (agentId < 0) {
            throw new IllegalArgumentException("agentId must be >= 0: " + agentId);
        }
        if (interfaces.isEmpty()) {
            throw new IllegalArgumentException("agent " + agentId + ": at least one interface is required");
        }
        final Set<String> names = new HashSet<>();
        for (final InterfaceConfiguration iface : interfaces) {
            if (!names.add(iface.name())) {
                throw new IllegalArgumentException("agent " + agentId + ": interface " + iface.name() + " listed twice");
            }
        }
        for (final StaticNeighbourConfiguration neighbour : staticNeighbours) {
            if (!names.contains(neighbour.interfaceName())) {
                throw new IllegalArgumentException("static neighbour on unknown interface " + neighbour.interfaceName());
            }
        }
        if (reachableTimeMs <= 0 || resolveRetryIntervalMs <= 0) {
            throw new IllegalArgumentException("reachableTimeMs and resolveRetryIntervalMs must be > 0");
        }
        if (neighbourCapacity < 8 || Integer.bitCount(neighbourCapacity) != 1 || neighbourCapacity > (1 << 24)) {
            throw new IllegalArgumentException("neighbourCapacity must be a power of two in 8..2^24: " + neighbourCapacity);
        }
        if (staticNeighbours.size() > neighbourCapacity / 2) {
            throw new IllegalArgumentException("more static neighbours than half the neighbour capacity " + neighbourCapacity);
        }
        if (maxPendingResolutions < 1 || maxPendingResolutions > neighbourCapacity / 2) {
            throw new IllegalArgumentException("maxPendingResolutions must be in 1.." + neighbourCapacity / 2 + ": "
                + maxPendingResolutions);
        }
        if (batchSize < 1 || batchSize > 1024) {
            throw new IllegalArgumentException("batchSize must be in 1..1024: " + batchSize);
        }
        if (cpu < -1) {
            throw new IllegalArgumentException("cpu must be -1 (not pinned) or a CPU number: " + cpu);
        }
        if (realtimePriority < 0 || realtimePriority > 99) {
            throw new IllegalArgumentException("realtimePriority must be 0 (off) or 1..99: " + realtimePriority);
        }
    }

    /** A configuration with defaults for everything but the agent id and its interfaces. */
    public static ForwarderConfiguration withDefaults(final int agentId, final List<InterfaceConfiguration> interfaces) {
        return new ForwarderConfiguration(agentId, interfaces, List.of(), DEFAULT_REACHABLE_TIME_MS,
            DEFAULT_RESOLVE_RETRY_INTERVAL_MS, DEFAULT_NEIGHBOUR_CAPACITY, DEFAULT_MAX_PENDING_RESOLUTIONS,
            DEFAULT_BATCH_SIZE, IdleConfiguration.DEFAULT, -1, 0);
    }

    /** This configuration with other static neighbours. */
    public ForwarderConfiguration withStaticNeighbours(final List<StaticNeighbourConfiguration> neighbours) {
        return new ForwarderConfiguration(agentId, interfaces, neighbours, reachableTimeMs, resolveRetryIntervalMs,
            neighbourCapacity, maxPendingResolutions, batchSize, idle, cpu, realtimePriority);
    }

    /** The index of the interface called {@code name}, or -1. */
    public int interfaceIndex(final String name) {
        for (int i = 0; i < interfaces.size(); i++) {
            if (interfaces.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
