package io.fulcrum.control.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import io.fulcrum.control.runtime.NodeRuntime;
import io.fulcrum.control.runtime.ObjectStats;
import io.fulcrum.control.runtime.StatusView;
import io.fulcrum.forwarder.stage.ForwarderCounterTypes;
import io.fulcrum.tls.metrics.CounterStore;
import org.agrona.concurrent.status.CountersReader;

/**
 * The node's metrics in Prometheus text format, built on each scrape from three sources:
 * <ul>
 *   <li>the Agrona counters file, generically: the forwarder's counter types become families with {@code agent},
 *       {@code reason}, {@code event} and {@code port} labels ({@link ForwarderCounterTypes}); any other counter
 *       is exported as {@code fulcrum_counter{type_id, label}} so nothing allocated in the file is hidden;</li>
 *   <li>the {@link NodeRuntime}'s status: per listener and per backend connections (total, active, inactive,
 *       concurrent), packets and bytes, new connections per second, weights, health, and healthy/unhealthy
 *       backends per group, listener and node;</li>
 *   <li>{@link LatencyHistograms} registered by the stages.</li>
 * </ul>
 */
public final class MetricsExporter {
    private final NodeRuntime runtime;
    private final CountersReader counters;
    private final Supplier<Map<String, ObjectStats>> rates;
    private final LatencyHistograms histograms;

    /**
     * @param runtime    the node's runtime
     * @param counters   the node's counters, or null
     * @param rates      per-second rates ({@link RateSampler#rates()})
     * @param histograms latency histograms
     */
    public MetricsExporter(final NodeRuntime runtime, final CountersReader counters,
                           final Supplier<Map<String, ObjectStats>> rates, final LatencyHistograms histograms) {
        this.runtime = runtime;
        this.counters = counters;
        this.rates = rates;
        this.histograms = histograms;
    }

    /** The whole exposition. */
    public String scrape() {
        final PrometheusText out = new PrometheusText();
        final StatusView status = runtime.status();
        final Map<String, ObjectStats> r = rates.get();
        final Map<String, String> node = Map.of("node", status.node());

        out.family("fulcrum_config_generation", "gauge", "Configuration changes applied since start.");
        out.sample("fulcrum_config_generation", node, status.generation());
        nodeMetrics(out, status, r, node);
        listenerMetrics(out, status, r);
        backendMetrics(out, status, r);
        if (counters != null) {
            counterMetrics(out);
            stageMetrics(out);
        }
        histograms.write(out);
        return out.toString();
    }

    private static void nodeMetrics(final PrometheusText out, final StatusView status, final Map<String, ObjectStats> r,
                                    final Map<String, String> node) {
        ObjectStats sum = ObjectStats.ZERO;
        for (final StatusView.ListenerStatus l : status.listeners()) {
            sum = sum.plus(l.stats());
        }
        int healthy = 0;
        int unhealthy = 0;
        for (final StatusView.GroupStatus g : status.groups()) {
            healthy += g.healthy();
            unhealthy += g.unhealthy();
        }
        ObjectStats rate = ObjectStats.ZERO;
        for (final StatusView.ListenerStatus l : status.listeners()) {
            rate = rate.plus(r.getOrDefault("listener " + l.name(), ObjectStats.ZERO));
        }
        connectionFamilies(out, "fulcrum_node", List.of(node), List.of(sum), List.of(rate));
        out.family("fulcrum_node_backends_healthy", "gauge", "Backends counting as healthy, over all groups.");
        out.sample("fulcrum_node_backends_healthy", node, healthy);
        out.family("fulcrum_node_backends_unhealthy", "gauge", "Backends counting as unhealthy, over all groups.");
        out.sample("fulcrum_node_backends_unhealthy", node, unhealthy);
        final ObjectStats nodeRate = r.getOrDefault("node", ObjectStats.ZERO);
        out.family("fulcrum_node_packets_in_per_second", "gauge", "Frames received by all forwarder agents per second.");
        out.sample("fulcrum_node_packets_in_per_second", node, nodeRate.packetsIn());
        out.family("fulcrum_node_packets_out_per_second", "gauge", "Frames sent by all forwarder agents per second.");
        out.sample("fulcrum_node_packets_out_per_second", node, nodeRate.packetsOut());
        out.family("fulcrum_node_bytes_in_per_second", "gauge", "Bytes received by all forwarder agents per second.");
        out.sample("fulcrum_node_bytes_in_per_second", node, nodeRate.bytesIn());
        out.family("fulcrum_node_bytes_out_per_second", "gauge", "Bytes sent by all forwarder agents per second.");
        out.sample("fulcrum_node_bytes_out_per_second", node, nodeRate.bytesOut());
    }

    private static void listenerMetrics(final PrometheusText out, final StatusView status, final Map<String, ObjectStats> r) {
        final List<Map<String, String>> labels = new ArrayList<>();
        final List<ObjectStats> stats = new ArrayList<>();
        final List<ObjectStats> rates = new ArrayList<>();
        final Map<String, StatusView.GroupStatus> groups = new LinkedHashMap<>();
        status.groups().forEach(g -> groups.put(g.name(), g));
        for (final StatusView.ListenerStatus l : status.listeners()) {
            final Map<String, String> m = new LinkedHashMap<>();
            m.put("listener", l.name());
            m.put("protocol", l.protocol());
            m.put("vip", l.vip());
            m.put("port", Integer.toString(l.port()));
            labels.add(m);
            stats.add(l.stats());
            rates.add(r.getOrDefault("listener " + l.name(), ObjectStats.ZERO));
        }
        connectionFamilies(out, "fulcrum_listener", labels, stats, rates);
        out.family("fulcrum_listener_backends_healthy", "gauge", "Healthy backends of the listener's default group.");
        for (int i = 0; i < labels.size(); i++) {
            final StatusView.GroupStatus g = groups.get(status.listeners().get(i).group());
            out.sample("fulcrum_listener_backends_healthy", labels.get(i), g == null ? 0 : g.healthy());
        }
        out.family("fulcrum_listener_backends_unhealthy", "gauge", "Unhealthy backends of the listener's default group.");
        for (int i = 0; i < labels.size(); i++) {
            final StatusView.GroupStatus g = groups.get(status.listeners().get(i).group());
            out.sample("fulcrum_listener_backends_unhealthy", labels.get(i), g == null ? 0 : g.unhealthy());
        }
    }

    private static void backendMetrics(final PrometheusText out, final StatusView status, final Map<String, ObjectStats> r) {
        final List<Map<String, String>> labels = new ArrayList<>();
        final List<ObjectStats> stats = new ArrayList<>();
        final List<ObjectStats> rates = new ArrayList<>();
        final List<StatusView.BackendStatus> backends = new ArrayList<>();
        out.family("fulcrum_group_backends_healthy", "gauge", "Backends of the group counting as healthy.");
        for (final StatusView.GroupStatus g : status.groups()) {
            out.sample("fulcrum_group_backends_healthy", Map.of("group", g.name()), g.healthy());
        }
        out.family("fulcrum_group_backends_unhealthy", "gauge", "Backends of the group counting as unhealthy.");
        for (final StatusView.GroupStatus g : status.groups()) {
            out.sample("fulcrum_group_backends_unhealthy", Map.of("group", g.name()), g.unhealthy());
        }
        for (final StatusView.GroupStatus g : status.groups()) {
            for (final StatusView.BackendStatus b : g.backends()) {
                final Map<String, String> m = new LinkedHashMap<>();
                m.put("group", g.name());
                m.put("backend", b.endpoint());
                labels.add(m);
                stats.add(b.stats());
                rates.add(r.getOrDefault("backend " + g.name() + "/" + b.endpoint(), ObjectStats.ZERO));
                backends.add(b);
            }
        }
        connectionFamilies(out, "fulcrum_backend", labels, stats, rates);
        out.family("fulcrum_backend_weight", "gauge", "Configured weight 0..100 (0: draining).");
        for (int i = 0; i < labels.size(); i++) {
            out.sample("fulcrum_backend_weight", labels.get(i), backends.get(i).weight());
        }
        out.family("fulcrum_backend_healthy", "gauge", "1 when the backend counts as healthy (checked up, or unchecked).");
        for (int i = 0; i < labels.size(); i++) {
            out.sample("fulcrum_backend_healthy", labels.get(i), backends.get(i).health().countsAsHealthy() ? 1 : 0);
        }
        out.family("fulcrum_backend_health", "gauge", "1 for the backend's current health state.");
        for (int i = 0; i < labels.size(); i++) {
            final Map<String, String> m = new LinkedHashMap<>(labels.get(i));
            m.put("state", backends.get(i).health().label());
            out.sample("fulcrum_backend_health", m, 1);
        }
        out.family("fulcrum_backend_last_check", "gauge", "1, labelled with the last health-check result and failure reason.");
        for (int i = 0; i < labels.size(); i++) {
            if (!backends.get(i).healthDetail().isEmpty()) {
                final Map<String, String> m = new LinkedHashMap<>(labels.get(i));
                m.put("result", backends.get(i).healthDetail());
                out.sample("fulcrum_backend_last_check", m, 1);
            }
        }
    }

    private static void connectionFamilies(final PrometheusText out, final String prefix, final List<Map<String, String>> labels,
                                           final List<ObjectStats> stats, final List<ObjectStats> rates) {
        family(out, prefix + "_connections_total", "counter", "Connections created.", labels, stats, ObjectStats::connections);
        family(out, prefix + "_connections_active", "gauge", "Established connections.", labels, stats,
            ObjectStats::activeConnections);
        family(out, prefix + "_connections_inactive", "gauge", "Tracked connections not established (handshake, closing).",
            labels, stats, ObjectStats::inactiveConnections);
        family(out, prefix + "_connections_concurrent", "gauge", "Active plus inactive connections.", labels, stats,
            ObjectStats::concurrentConnections);
        family(out, prefix + "_new_connections_per_second", "gauge", "New connections per second (last second).", labels,
            rates, ObjectStats::connections);
        family(out, prefix + "_packets_in_total", "counter", "Packets from clients.", labels, stats, ObjectStats::packetsIn);
        family(out, prefix + "_packets_out_total", "counter", "Packets to clients.", labels, stats, ObjectStats::packetsOut);
        family(out, prefix + "_bytes_in_total", "counter", "Bytes from clients.", labels, stats, ObjectStats::bytesIn);
        family(out, prefix + "_bytes_out_total", "counter", "Bytes to clients.", labels, stats, ObjectStats::bytesOut);
    }

    private static void family(final PrometheusText out, final String name, final String type, final String help,
                               final List<Map<String, String>> labels, final List<ObjectStats> values,
                               final java.util.function.ToLongFunction<ObjectStats> field) {
        out.family(name, type, help);
        for (int i = 0; i < labels.size(); i++) {
            out.sample(name, labels.get(i), field.applyAsLong(values.get(i)));
        }
    }

    private void counterMetrics(final PrometheusText out) {
        // family name -> samples, collected first so each family is written contiguously
        final Map<String, List<Object[]>> families = new TreeMap<>();
        final Map<String, String> help = new LinkedHashMap<>();
        counters.forEach((counterId, typeId, keyBuffer, label) -> {
            final long value = counters.getCounterValue(counterId);
            final String[] words = label.split(" ", 3);
            final boolean agentLabel = words.length >= 2 && words[0].startsWith("agent-");
            final Map<String, String> labels = new LinkedHashMap<>();
            if (agentLabel) {
                labels.put("agent", words[0].substring("agent-".length()));
            }
            final String name;
            switch (typeId) {
                case ForwarderCounterTypes.TRAFFIC -> {
                    name = "fulcrum_forwarder_" + PrometheusText.name(label.substring(label.indexOf(' ') + 1)) + "_total";
                    help.put(name, "Forwarder agent traffic counter (" + label.substring(label.indexOf(' ') + 1) + ").");
                }
                case ForwarderCounterTypes.DROP -> {
                    name = "fulcrum_forwarder_drops_total";
                    labels.put("reason", words.length == 3 ? words[2] : label);
                    help.put(name, "Frames dropped by a forwarder agent, by reason.");
                }
                case ForwarderCounterTypes.EVENT -> {
                    name = "fulcrum_forwarder_events_total";
                    labels.put("event", words.length == 3 ? words[2] : label);
                    help.put(name, "Forwarder agent events.");
                }
                case ForwarderCounterTypes.PORT_KERNEL_DROPS -> {
                    name = "fulcrum_port_kernel_drops_total";
                    labels.put("port", words.length == 3 ? words[2].replace(" kernel-drops", "") : label);
                    help.put(name, "Frames the kernel or ring dropped before the agent saw them, per port.");
                }
                case ForwarderCounterTypes.AGENT_ERRORS -> {
                    name = "fulcrum_agent_errors_total";
                    help.put(name, "Errors that escaped an agent's duty cycle.");
                }
                case CounterStore.L7_LISTENER, CounterStore.L7_BACKEND, CounterStore.TLS -> {
                    return; // stageMetrics, and the per-object families through the runtime status
                }
                default -> {
                    if (agentLabel && words.length == 3 && (words[1].equals("listener") || words[1].equals("backend"))) {
                        return; // per-object counters are exported from the runtime status, summed over agents
                    }
                    name = "fulcrum_counter";
                    labels.clear();
                    labels.put("type_id", Integer.toString(typeId));
                    labels.put("label", label);
                    help.put(name, "Other counters of the node's counters file, by type id and label.");
                }
            }
            families.computeIfAbsent(name, k -> new ArrayList<>()).add(new Object[] {labels, value});
        });
        for (final Map.Entry<String, List<Object[]>> f : families.entrySet()) {
            out.family(f.getKey(), f.getKey().endsWith("_total") ? "counter" : "gauge", help.get(f.getKey()));
            for (final Object[] sample : f.getValue()) {
                @SuppressWarnings("unchecked")
                final Map<String, String> labels = (Map<String, String>) sample[0];
                out.sample(f.getKey(), labels, (Long) sample[1]);
            }
        }
    }

    /** One family sample a stage counter feeds: family, type, help and an optional extra label. */
    private record StageMetric(String family, String type, String help, String label, String value) {
    }

    /** Stage counters by {@code typeId metric}; counters not listed here are exported per object through the status. */
    private static final Map<String, StageMetric> STAGE_METRICS = stageMetricTable();

    private static Map<String, StageMetric> stageMetricTable() {
        final Map<String, StageMetric> m = new java.util.HashMap<>();
        final String listener = CounterStore.L7_LISTENER + " ";
        final String backend = CounterStore.L7_BACKEND + " ";
        final String tls = CounterStore.TLS + " ";
        m.put(listener + "requests", new StageMetric("fulcrum_l7_listener_requests_total", "counter",
            "Requests completed by the listener (any status, 499 included).", null, null));
        m.put(backend + "requests", new StageMetric("fulcrum_l7_backend_requests_total", "counter",
            "Requests (tries) sent to the backend.", null, null));
        for (final String cls : new String[] {"1xx", "2xx", "3xx", "4xx", "5xx"}) {
            m.put(listener + "status-" + cls, new StageMetric("fulcrum_l7_listener_responses_total", "counter",
                "Requests completed by the listener, by status class.", "class", cls));
            m.put(backend + "status-" + cls, new StageMetric("fulcrum_l7_backend_responses_total", "counter",
                "Requests whose last try went to the backend, by the status class the client got.", "class", cls));
        }
        for (final String code : new String[] {"404", "499", "502", "504"}) {
            m.put(listener + "status-" + code, new StageMetric("fulcrum_l7_listener_responses_by_code_total", "counter",
                "Requests completed by the listener with status 404, 499 (client left), 502 or 504.", "code", code));
            m.put(backend + "status-" + code, new StageMetric("fulcrum_l7_backend_responses_by_code_total", "counter",
                "Requests whose last try went to the backend with status 404, 499, 502 or 504.", "code", code));
        }
        m.put(listener + "idle-conns", new StageMetric("fulcrum_l7_listener_connections_idle", "gauge",
            "Open client connections between requests (keep-alive idle).", null, null));
        m.put(listener + "retries", new StageMetric("fulcrum_l7_listener_retries_total", "counter",
            "Requests retried on another backend.", null, null));
        m.put(listener + "proxy-refused", new StageMetric("fulcrum_l7_listener_proxy_headers_refused_total", "counter",
            "PROXY protocol headers refused (untrusted source or malformed).", null, null));
        m.put(listener + "acl-denied", new StageMetric("fulcrum_l7_listener_acl_denied_total", "counter",
            "Connections (UDP: new sessions) refused by the listener's ACL before anything was read.", null, null));
        m.put(listener + "access-log-dropped", new StageMetric("fulcrum_l7_listener_access_log_dropped_total", "counter",
            "Access-log entries dropped because the writer's queue was full.", null, null));
        m.put(listener + "udp-sessions", new StageMetric("fulcrum_l7_listener_udp_sessions_total", "counter",
            "UDP sessions created by a proxy-mode UDP listener.", null, null));
        m.put(listener + "errors", new StageMetric("fulcrum_l7_listener_errors_total", "counter",
            "Unexpected errors caught at the connection handler (bugs).", null, null));
        m.put(backend + "connect-failures", new StageMetric("fulcrum_l7_backend_connect_failures_total", "counter",
            "Connections to the backend refused or timed out.", null, null));
        m.put(backend + "timeouts", new StageMetric("fulcrum_l7_backend_timeouts_total", "counter",
            "Responses of the backend that timed out.", null, null));
        m.put(backend + "failures", new StageMetric("fulcrum_l7_backend_failures_total", "counter",
            "Backend connections reset or responses malformed.", null, null));
        m.put(backend + "tls-handshake-failures", new StageMetric("fulcrum_l7_backend_tls_handshake_failures_total",
            "counter", "TLS handshakes with an https backend that failed for another reason than its certificate.", null,
            null));
        m.put(backend + "tls-verify-failures", new StageMetric("fulcrum_l7_backend_tls_verify_failures_total", "counter",
            "TLS handshakes with an https backend refused because its certificate did not verify.", null, null));
        m.put(tls + "handshakes", new StageMetric("fulcrum_tls_handshakes_total", "counter",
            "TLS handshakes completed (full and resumed).", null, null));
        m.put(tls + "resumptions", new StageMetric("fulcrum_tls_resumptions_total", "counter",
            "TLS handshakes resumed from the session cache or a ticket (sampled from the TLS library every second).",
            null, null));
        for (final String reason : new String[] {"no-shared-cipher", "protocol-version", "client-certificate-missing",
            "client-certificate-invalid", "timeout", "other"}) {
            m.put(tls + "failed-" + reason, new StageMetric("fulcrum_tls_handshake_failures_total", "counter",
                "TLS handshakes failed, by reason.", "reason", reason));
        }
        for (final String match : new String[] {"exact", "wildcard", "default"}) {
            m.put(tls + "sni-" + match, new StageMetric("fulcrum_tls_sni_total", "counter",
                "Certificate choices by SNI: exact name, wildcard, or the default certificate.", "match", match));
        }
        m.put(tls + "certificate-reloads", new StageMetric("fulcrum_tls_certificate_reloads_total", "counter",
            "Certificate reloads, applied or refused (bad files: the previous certificates stay).", "result", "applied"));
        m.put(tls + "certificate-reload-failures", new StageMetric("fulcrum_tls_certificate_reloads_total", "counter",
            "Certificate reloads, applied or refused (bad files: the previous certificates stay).", "result", "refused"));
        return Map.copyOf(m);
    }

    /**
     * The L7/proxy stage's counters ({@link CounterStore} labels {@code l7 listener|backend|tls <object> <metric>}):
     * request, status and TLS families per listener and per backend (summed over the listeners that share a group).
     */
    private void stageMetrics(final PrometheusText out) {
        final Map<String, Map<Map<String, String>, long[]>> families = new TreeMap<>();
        final Map<String, StageMetric> meta = new java.util.HashMap<>();
        counters.forEach((counterId, typeId, keyBuffer, label) -> {
            if (typeId != CounterStore.L7_LISTENER && typeId != CounterStore.L7_BACKEND && typeId != CounterStore.TLS) {
                return;
            }
            final String[] words = label.split(" ");
            final StageMetric m = words.length == 4 ? STAGE_METRICS.get(typeId + " " + words[3]) : null;
            if (m == null) {
                return;
            }
            final Map<String, String> labels = new LinkedHashMap<>();
            if (typeId == CounterStore.L7_BACKEND) {
                final int slash = words[2].indexOf('/');
                labels.put("group", slash < 0 ? "" : words[2].substring(0, slash));
                labels.put("backend", words[2].substring(slash + 1));
            } else {
                labels.put("listener", words[2]);
            }
            if (m.label() != null) {
                labels.put(m.label(), m.value());
            }
            meta.putIfAbsent(m.family(), m);
            families.computeIfAbsent(m.family(), k -> new LinkedHashMap<>()).computeIfAbsent(labels, k -> new long[1])[0]
                += counters.getCounterValue(counterId);
        });
        for (final Map.Entry<String, Map<Map<String, String>, long[]>> f : families.entrySet()) {
            final StageMetric m = meta.get(f.getKey());
            out.family(f.getKey(), m.type(), m.help());
            f.getValue().forEach((labels, value) -> out.sample(f.getKey(), labels, value[0]));
        }
    }
}
