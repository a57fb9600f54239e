package io.fulcrum.control.metrics;

import static io.fulcrum.control.metrics.MetricsEndpointTest.get;
import static io.fulcrum.control.metrics.MetricsEndpointTest.promtool;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.IpAddress;
import io.fulcrum.control.protocol.TestNode;
import io.fulcrum.control.runtime.CountersDataplaneState;
import io.fulcrum.control.runtime.ObjectStats;
import io.fulcrum.tls.metrics.BackendCounters;
import io.fulcrum.tls.metrics.CounterStore;
import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.metrics.TlsCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

/**
 * The L7 stage's counters as the node exports them: allocated in a counters manager through {@link CounterStore}
 * (as the node does with its counters file), they become the request, status, backend and TLS families of the
 * metrics page (which promtool accepts), the per-object stats of the status views, and the latency histograms.
 */
class StageMetricsTest {
    private static final int MAX = 512;

    @Test
    void stageCountersBecomeFamiliesStatsAndHistograms() throws Exception {
        final CountersManager manager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(MAX * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(MAX * CountersReader.COUNTER_LENGTH)), StandardCharsets.UTF_8);
        final CounterStore store = CounterStore.of(manager);
        final ListenerCounters listener = new ListenerCounters("web", store);
        // two listeners share group 'web': their backend counters are summed
        final BackendCounters b1 = new BackendCounters("web", "198.18.1.2:80", store);
        final BackendCounters b1OtherListener = new BackendCounters("web", "198.18.1.2:80", store);
        final TlsCounters tls = new TlsCounters("web", store);
        try (TestNode node = new TestNode(TestNode.standardBody(), manager)) {
            node.plane.histograms().register("fulcrum_l7_request_duration_seconds", "test", Map.of("listener", "web"),
                listener.latencyRecorder(), 1000);
            node.plane.histograms().register("fulcrum_l7_backend_response_duration_seconds", "test",
                orderedLabels("listener", "web", "group", "web", "backend", "198.18.1.2:80"), b1.latencyRecorder(), 1000);
            listener.increment(ListenerCounters.Counter.CONNECTIONS_ACCEPTED);
            listener.add(ListenerCounters.Counter.BYTES_IN, 300);
            listener.recordRequest(200, 1_500);        // 1.5 ms
            listener.recordRequest(404, 200);
            listener.recordRequest(499, 50_000);
            listener.recordRequest(502, 3_000_000);    // 3 s
            b1.increment(BackendCounters.Counter.REQUESTS);
            b1.recordRequest(200, 1_000);
            b1.add(BackendCounters.Counter.BYTES_OUT, 100);
            b1OtherListener.increment(BackendCounters.Counter.REQUESTS);
            b1OtherListener.recordRequest(504, 2_000);
            b1OtherListener.add(BackendCounters.Counter.BYTES_OUT, 20);
            tls.increment(TlsCounters.Counter.HANDSHAKES);
            tls.increment(TlsCounters.Counter.FAILED_PROTOCOL_VERSION);
            tls.set(TlsCounters.Counter.RESUMPTIONS, 7);

            final String page = get(node.httpPort, "/metrics");
            promtool(page);
            assertThat(page).contains(
                "fulcrum_l7_listener_requests_total{listener=\"web\"} 4",
                "fulcrum_l7_listener_responses_total{listener=\"web\",class=\"2xx\"} 1",
                "fulcrum_l7_listener_responses_total{listener=\"web\",class=\"4xx\"} 2",
                "fulcrum_l7_listener_responses_total{listener=\"web\",class=\"5xx\"} 1",
                "fulcrum_l7_listener_responses_by_code_total{listener=\"web\",code=\"404\"} 1",
                "fulcrum_l7_listener_responses_by_code_total{listener=\"web\",code=\"499\"} 1",
                "fulcrum_l7_listener_responses_by_code_total{listener=\"web\",code=\"502\"} 1",
                "fulcrum_l7_listener_responses_by_code_total{listener=\"web\",code=\"504\"} 0",
                "fulcrum_l7_backend_requests_total{group=\"web\",backend=\"198.18.1.2:80\"} 2",
                "fulcrum_l7_backend_responses_total{group=\"web\",backend=\"198.18.1.2:80\",class=\"2xx\"} 1",
                "fulcrum_l7_backend_responses_by_code_total{group=\"web\",backend=\"198.18.1.2:80\",code=\"504\"} 1",
                "fulcrum_tls_handshakes_total{listener=\"web\"} 1",
                "fulcrum_tls_resumptions_total{listener=\"web\"} 7",
                "fulcrum_tls_handshake_failures_total{listener=\"web\",reason=\"protocol-version\"} 1",
                "fulcrum_tls_certificate_reloads_total{listener=\"web\",result=\"refused\"} 0",
                "fulcrum_l7_request_duration_seconds_bucket{listener=\"web\",le=\"0.0025\"} 2",
                "fulcrum_l7_request_duration_seconds_bucket{listener=\"web\",le=\"0.1\"} 3",
                "fulcrum_l7_request_duration_seconds_bucket{listener=\"web\",le=\"5\"} 4",
                "fulcrum_l7_request_duration_seconds_count{listener=\"web\"} 4",
                "# TYPE fulcrum_l7_backend_response_duration_seconds histogram",
                // labels in the registered order, on every run
                "fulcrum_l7_backend_response_duration_seconds_count{listener=\"web\",group=\"web\",backend=\"198.18.1.2:80\"} 1")
                // the per-object counters are exported through the status families, not as anonymous counters
                .doesNotContain("label=\"l7 listener");
            final double sum = Double.parseDouble(page.lines().filter(l -> l.startsWith(
                "fulcrum_l7_request_duration_seconds_sum{listener=\"web\"}")).findFirst().orElseThrow().split(" ")[1]);
            assertThat(sum).isBetween(3.04, 3.07);

            // the status views read the same counters: listener and backend traffic summed over the sharing listeners
            final CountersDataplaneState state = new CountersDataplaneState(manager, null);
            assertThat(state.listenerStats("web")).isEqualTo(new ObjectStats(1, 0, 0, 0, 0, 300, 0));
            assertThat(state.backendStats("web", new BackendConfig(IpAddress.parse("198.18.1.2"), 80, 1, false)).bytesIn())
                .isEqualTo(120);
            // a reading is cached briefly for per-object lookups, but a scrape or status dump refreshes it first, so
            // a connection accepted just before the scrape is in it (the status-page poller may have read just before)
            assertThat(state.listenerStats("web").connections()).isEqualTo(1);
            listener.increment(ListenerCounters.Counter.CONNECTIONS_ACCEPTED);
            state.refresh();
            assertThat(state.listenerStats("web").connections()).isEqualTo(2);
        }
    }

    private static Map<String, String> orderedLabels(final String... pairs) {
        final Map<String, String> labels = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            labels.put(pairs[i], pairs[i + 1]);
        }
        return labels;
    }
}
