package io.fulcrum.control;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.ListenerConfig;
import io.fulcrum.control.metrics.LatencyHistograms;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.HttpStage;
import io.fulcrum.tls.HttpStageOptions;
import io.fulcrum.tls.L4ListenerSettings;
import io.fulcrum.tls.metrics.BackendCounters;
import io.fulcrum.tls.metrics.CounterStore;
import io.fulcrum.tls.metrics.ListenerCounters;

/**
 * The L7/proxy part of a running node: the {@link HttpStage} (HTTP listeners, proxy-mode TCP/UDP listeners) on
 * ordinary sockets, fed by the scheduler groups of {@link L7Groups}. Started and closed by the node conductor.
 */
final class L7Node implements AutoCloseable {
    private final L7Groups groups;
    private final HttpStage stage;

    private L7Node(final L7Groups groups, final HttpStage stage) {
        this.groups = groups;
        this.stage = stage;
    }

    /**
     * Starts the stage for the listeners it serves; returns null when the configuration has none. Its listener,
     * backend and TLS counters go to {@code counters} (the node's counters file).
     *
     * @throws IllegalStateException when a listener cannot be bound (the message names it and the address)
     */
    static L7Node start(final FulcrumConfig config, final CounterStore counters, final PrintStream log)
        throws InterruptedException {
        final List<ListenerConfig> listeners = L7Binding.stageListeners(config);
        if (listeners.isEmpty()) {
            return null;
        }
        for (final String warning : L7Binding.certificateWarnings(config)) {
            log.println("fulcrum: warning: " + warning);
        }
        final int threads = Runtime.getRuntime().availableProcessors();
        final List<HttpListenerSettings> http = L7Binding.httpListeners(config);
        final List<L4ListenerSettings> l4 = L7Binding.l4Listeners(config);
        final L7Groups groups = new L7Groups(L7Binding.stageGroups(config), threads, config.node().runDir(), log);
        final HttpStageOptions options = new HttpStageOptions(threads, g -> groups.selector(g.id()),
            Map.of("lb_name", config.node().name(), "node_name", config.node().name(), "log_ver", "1"), null, counters);
        final HttpStage stage;
        try {
            stage = HttpStage.start(http, l4, options);
        } catch (final RuntimeException e) {
            groups.close();
            throw new IllegalStateException("L7 stage: " + bindFailure(e, listeners), e);
        } catch (final InterruptedException | Error e) {
            groups.close();
            throw e;
        }
        log.println("fulcrum: L7 stage: transport " + stage.transport().name().toLowerCase(java.util.Locale.ROOT) + ", "
            + threads + " event loop(s)");
        for (final ListenerConfig l : listeners) {
            final java.net.InetSocketAddress bound = stage.boundAddress(l.name());
            log.println("fulcrum: listener " + l.name() + " " + l.protocol() + (l.protocol().isL4() ? " proxy" : "") + " on "
                + bound.getAddress().getHostAddress() + ":" + bound.getPort()
                + (stage.tls().containsKey(l.name()) ? " (TLS: " + stage.tls().get(l.name()).implementation() + ")" : ""));
        }
        return new L7Node(groups, stage);
    }

    /** Netty's bind errors name neither the listener nor the address: add both. */
    private static String bindFailure(final RuntimeException e, final List<ListenerConfig> listeners) {
        final StringBuilder text = new StringBuilder(e.getMessage() == null ? e.toString() : e.getMessage());
        text.append(" (listeners:");
        for (final ListenerConfig l : listeners) {
            text.append(' ').append(l.name()).append('=').append(L7Binding.address(l));
        }
        text.append("; an L7 or proxy listener binds an address the kernel owns, not a packet-mode VIP)");
        return text.toString();
    }

    HttpStage stage() {
        return stage;
    }

    /**
     * Registers the stage's latency recorders with the metrics exporter: request latency per HTTP listener and
     * response latency per backend of each listener's groups (both recorded in microseconds).
     */
    void registerHistograms(final LatencyHistograms histograms) {
        final Map<String, ListenerCounters> listeners = stage.listenerCounters();
        final Map<String, Map<String, Map<String, BackendCounters>>> backends = stage.backendCounters();
        for (final String listener : new java.util.TreeSet<>(backends.keySet())) {
            histograms.register("fulcrum_l7_request_duration_seconds",
                "Time from a request's first byte to the end of its response, per HTTP listener.",
                Map.of("listener", listener), listeners.get(listener).latencyRecorder(), 1000);
        }
        for (final String listener : new java.util.TreeSet<>(backends.keySet())) {
            for (final Map.Entry<String, Map<String, BackendCounters>> group : new java.util.TreeMap<>(backends.get(listener))
                .entrySet()) {
                for (final Map.Entry<String, BackendCounters> b : new java.util.TreeMap<>(group.getValue()).entrySet()) {
                    histograms.register("fulcrum_l7_backend_response_duration_seconds",
                        "Time from the start of a request's last try (connect or pooled connection) to the end of the "
                            + "response, per listener and backend.",
                        orderedLabels(listener, group.getKey(), b.getKey()),
                        b.getValue().latencyRecorder(), 1000);
                }
            }
        }
    }

    /** listener, group, backend in this order (Map.of iterates in an order that changes from run to run). */
    private static Map<String, String> orderedLabels(final String listener, final String group, final String backend) {
        final Map<String, String> labels = new java.util.LinkedHashMap<>();
        labels.put("listener", listener);
        labels.put("group", group);
        labels.put("backend", backend);
        return labels;
    }

    L7Groups groups() {
        return groups;
    }

    @Override
    public void close() {
        // the stage first: its event loops use the groups' persistence tables until they stop
        stage.close();
        groups.close();
    }
}
