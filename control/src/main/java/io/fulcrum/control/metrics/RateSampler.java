package io.fulcrum.control.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.fulcrum.control.runtime.NodeRuntime;
import io.fulcrum.control.runtime.ObjectStats;
import io.fulcrum.control.runtime.StatusView;
import io.fulcrum.forwarder.stage.ForwarderCounterTypes;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.status.CountersReader;

/**
 * Samples traffic once a second on the control thread and publishes per-second rates (connections, packets and
 * bytes) for the node, each listener and each backend, for {@code fulcrumctl stats}, {@code ipvsadm --rate},
 * the status page and the metrics. Keys: {@code node}, {@code listener <name>}, {@code backend <group>/<endpoint>}.
 */
public final class RateSampler implements Agent {
    static final long INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);

    private final NodeRuntime runtime;
    private final CountersReader counters;
    private Map<String, ObjectStats> previous = Map.of();
    private long previousNs;
    private volatile Map<String, ObjectStats> rates = Map.of();

    /**
     * @param runtime  the node's runtime (listener and backend traffic)
     * @param counters the node's counters (node traffic), or null
     */
    public RateSampler(final NodeRuntime runtime, final CountersReader counters) {
        this.runtime = runtime;
        this.counters = counters;
    }

    @Override
    public int doWork() {
        final long now = System.nanoTime();
        if (previousNs != 0 && now - previousNs < INTERVAL_NS) {
            return 0;
        }
        sample(now);
        return 1;
    }

    /** Takes a sample now (tests call it with their own spacing). */
    public void sample(final long nowNs) {
        final Map<String, ObjectStats> totals = totals(runtime.status(), counters);
        if (previousNs != 0) {
            final Map<String, ObjectStats> next = new HashMap<>();
            final long elapsed = nowNs - previousNs;
            totals.forEach((k, v) -> next.put(k, v.ratesSince(previous.getOrDefault(k, v), elapsed)));
            rates = Map.copyOf(next);
        }
        previous = totals;
        previousNs = nowNs;
    }

    /** The latest per-second rates by key; empty until two samples were taken. */
    public Map<String, ObjectStats> rates() {
        return rates;
    }

    /** The rate of one key, or zero. */
    public ObjectStats rate(final String key) {
        return rates.getOrDefault(key, ObjectStats.ZERO);
    }

    /** Totals by key, node traffic from the forwarder counters. */
    public static Map<String, ObjectStats> totals(final StatusView status, final CountersReader counters) {
        final Map<String, ObjectStats> totals = new HashMap<>();
        for (final StatusView.ListenerStatus l : status.listeners()) {
            totals.put("listener " + l.name(), l.stats());
        }
        for (final StatusView.GroupStatus g : status.groups()) {
            for (final StatusView.BackendStatus b : g.backends()) {
                totals.put("backend " + g.name() + "/" + b.endpoint(), b.stats());
            }
        }
        totals.put("node", nodeTraffic(counters));
        return totals;
    }

    /** Node traffic: frames and bytes received (in) and sent (out) by every forwarder agent. */
    public static ObjectStats nodeTraffic(final CountersReader counters) {
        if (counters == null) {
            return ObjectStats.ZERO;
        }
        final long[] sums = new long[4];
        counters.forEach((counterId, typeId, keyBuffer, label) -> {
            if (typeId == ForwarderCounterTypes.TRAFFIC) {
                final int slot = keyBuffer.getInt(4);
                if (slot >= ForwarderCounterTypes.TRAFFIC_RX_FRAMES && slot <= ForwarderCounterTypes.TRAFFIC_TX_BYTES) {
                    sums[slot] += counters.getCounterValue(counterId);
                }
            }
        });
        return new ObjectStats(0, 0, 0, sums[ForwarderCounterTypes.TRAFFIC_RX_FRAMES],
            sums[ForwarderCounterTypes.TRAFFIC_TX_FRAMES], sums[ForwarderCounterTypes.TRAFFIC_RX_BYTES],
            sums[ForwarderCounterTypes.TRAFFIC_TX_BYTES]);
    }

    @Override
    public String roleName() {
        return "rate-sampler";
    }
}
