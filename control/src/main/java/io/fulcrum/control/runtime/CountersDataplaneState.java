package io.fulcrum.control.runtime;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.Endpoint;
import org.agrona.concurrent.status.CountersReader;

/**
 * A {@link DataplaneState} that reads listener and backend traffic from the node's Agrona counters (the same
 * file {@code fulcrum stats} maps), by label:
 *
 * <pre>
 *   agent-&lt;id&gt; listener &lt;name&gt; &lt;metric&gt;
 *   agent-&lt;id&gt; backend &lt;group&gt;/&lt;address:port&gt; &lt;metric&gt;
 *   l7 listener &lt;name&gt; &lt;metric&gt;
 *   l7 backend &lt;group&gt;/&lt;address:port&gt; &lt;metric&gt;
 * </pre>
 * with {@code <metric>} one of {@code conns} (created, counter), {@code active-conns}, {@code inactive-conns}
 * (gauges), {@code in-packets}, {@code out-packets}, {@code in-bytes}, {@code out-bytes} (counters); values are
 * summed over agents (and, for {@code l7}, over the L7 listeners sharing a group). This is the convention the L4
 * and L7 stages follow when they allocate per-object counters (docs/metrics.md). It runs no health checker, so
 * checked backends are {@link BackendHealth#PENDING} unless a health source is given. Tracked flows come from the
 * agents' flow files ({@link FlowFiles}) when the node runs the L4 path; without them it exposes none.
 */
public final class CountersDataplaneState implements DataplaneState {
    private static final long CACHE_NS = 100_000_000L;

    /** Health of one backend, from whatever runs the checks. */
    @FunctionalInterface
    public interface HealthSource {
        /** The backend's health. */
        BackendHealth health(String group, BackendConfig backend);

        /** The last check's result and failure reason; "" if unknown. */
        default String detail(final String group, final BackendConfig backend) {
            return "";
        }
    }

    private final CountersReader reader;
    private final HealthSource healthSource;
    private final FlowFiles flowFiles;
    private final java.util.function.Supplier<io.fulcrum.common.config.FulcrumConfig> config;
    private volatile Snapshot snapshot = new Snapshot(Long.MIN_VALUE, Map.of());

    private record Snapshot(long takenNs, Map<String, ObjectStats> stats) {
    }

    /**
     * @param reader       the node's counters
     * @param healthSource health of checked backends; null when nothing checks them (they stay pending)
     */
    public CountersDataplaneState(final CountersReader reader, final HealthSource healthSource) {
        this(reader, healthSource, null, null);
    }

    /**
     * @param reader       the node's counters
     * @param healthSource health of checked backends; null when nothing checks them (they stay pending)
     * @param flowFiles    the agents' flow files, or null when the node runs no L4 path (no flows to list)
     * @param config       the running configuration (listener names of flows); required with flow files
     */
    public CountersDataplaneState(final CountersReader reader, final HealthSource healthSource, final FlowFiles flowFiles,
                                  final java.util.function.Supplier<io.fulcrum.common.config.FulcrumConfig> config) {
        this.reader = reader;
        this.healthSource = healthSource;
        this.flowFiles = flowFiles;
        this.config = config;
        if (flowFiles != null && config == null) {
            throw new IllegalArgumentException("flow files need the running configuration");
        }
    }

    @Override
    public BackendHealth health(final String group, final BackendConfig backend) {
        return healthSource == null ? BackendHealth.PENDING : healthSource.health(group, backend);
    }

    @Override
    public String healthDetail(final String group, final BackendConfig backend) {
        return healthSource == null ? "" : healthSource.detail(group, backend);
    }

    @Override
    public void refresh() {
        snapshot = new Snapshot(System.nanoTime(), scan(reader));
    }

    @Override
    public ObjectStats listenerStats(final String listener) {
        return stats().getOrDefault("listener " + listener, ObjectStats.ZERO);
    }

    @Override
    public ObjectStats backendStats(final String group, final BackendConfig backend) {
        return stats().getOrDefault("backend " + group + "/" + new Endpoint(backend.address(), backend.port()),
            ObjectStats.ZERO);
    }

    @Override
    public Optional<List<FlowEntry>> flows(final FlowFilter filter, final int limit) {
        if (flowFiles == null) {
            return Optional.empty();
        }
        try {
            // the agents' clock: System.nanoTime() in milliseconds (the node passes the same to its agents)
            return Optional.of(flowFiles.entries(filter, limit, config.get(), System.nanoTime() / 1_000_000L));
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the flow files: " + e.getMessage(), e);
        }
    }

    private Map<String, ObjectStats> stats() {
        final long now = System.nanoTime();
        Snapshot s = snapshot;
        if (now - s.takenNs > CACHE_NS || s.takenNs == Long.MIN_VALUE) {
            s = new Snapshot(now, scan(reader));
            snapshot = s;
        }
        return s.stats;
    }

    /** One pass over the counters: object key ({@code listener web}, {@code backend web/198.18.1.2:80}) to totals. */
    static Map<String, ObjectStats> scan(final CountersReader reader) {
        final Map<String, long[]> sums = new HashMap<>();
        reader.forEach((value, id, label) -> {
            final String[] t = label.split(" ");
            if (t.length != 4 || !(t[0].startsWith("agent-") || "l7".equals(t[0]))
                || !("listener".equals(t[1]) || "backend".equals(t[1]))) {
                return;
            }
            final int slot = switch (t[3]) {
                case "conns" -> 0;
                case "active-conns" -> 1;
                case "inactive-conns" -> 2;
                case "in-packets" -> 3;
                case "out-packets" -> 4;
                case "in-bytes" -> 5;
                case "out-bytes" -> 6;
                default -> -1;
            };
            if (slot >= 0) {
                sums.computeIfAbsent(t[1] + " " + t[2], k -> new long[7])[slot] += value;
            }
        });
        final Map<String, ObjectStats> stats = new HashMap<>();
        sums.forEach((k, v) -> stats.put(k, new ObjectStats(v[0], v[1], v[2], v[3], v[4], v[5], v[6])));
        return stats;
    }
}
