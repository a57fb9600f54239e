package io.fulcrum.control.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fulcrum.control.protocol.TestNode;
import io.fulcrum.control.runtime.BackendHealth;
import io.fulcrum.control.runtime.ObjectStats;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.PacketBuilder;
import io.fulcrum.forwarder.testing.TestNet;
import org.junit.jupiter.api.Test;

/**
 * The metrics endpoint of an in-process node whose counters are a real forwarder agent's: the page passes
 * Prometheus's own parser ({@code promtool check metrics}, Debian package {@code prometheus}), and its counters
 * move when the agent handles traffic (ARP requests and pings answered by the agent).
 */
class MetricsEndpointTest {
    static String get(final int port, final String path) throws Exception {
        final java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create("http://127.0.0.1:" + port + path)
            .toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(10000);
        try {
            assertThat(c.getResponseCode()).isEqualTo(200);
            try (java.io.InputStream in = c.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } finally {
            c.disconnect();
        }
    }

    @Test
    void metricsParseWithPromtoolAndMoveWithTraffic() throws Exception {
        try (AgentHarness agent = new AgentHarness(); TestNode node = new TestNode(TestNode.standardBody(),
            agent.countersManager())) {
            node.state.health.put("web/198.18.1.2:80", BackendHealth.HEALTHY);
            node.state.health.put("web/198.18.1.3:8080", BackendHealth.UNHEALTHY);
            node.state.stats.put("listener web", new ObjectStats(42, 5, 2, 1000, 900, 64_000, 128_000));

            final String before = get(node.httpPort, "/metrics");
            promtool(before);
            final long rxBefore = value(before, "fulcrum_forwarder_rx_frames_total\\{agent=\"0\"}");
            for (int i = 0; i < 25; i++) {
                agent.process(PacketBuilder.ethernet(TestNet.CLIENT_MAC, 0xFFFF_FFFF_FFFFL)
                    .arpRequest(TestNet.CLIENT_MAC, TestNet.CLIENT_IP, TestNet.LB0_IP).build());
            }
            final String after = get(node.httpPort, "/metrics");
            promtool(after);
            assertThat(value(after, "fulcrum_forwarder_rx_frames_total\\{agent=\"0\"}")).isEqualTo(rxBefore + 25);
            assertThat(value(after, "fulcrum_forwarder_tx_frames_total\\{agent=\"0\"}")).isGreaterThanOrEqualTo(25);

            assertThat(after).contains("fulcrum_listener_connections_total{listener=\"web\",protocol=\"tcp\","
                + "vip=\"198.18.0.100\","
                + "port=\"80\"} 42")
                .contains("fulcrum_listener_connections_concurrent{listener=\"web\",protocol=\"tcp\",vip=\"198.18.0.100\","
                    + "port=\"80\"} 7")
                .contains("fulcrum_listener_backends_unhealthy{listener=\"web\",protocol=\"tcp\",vip=\"198.18.0.100\","
                    + "port=\"80\"} 1")
                .contains("fulcrum_backend_weight{group=\"web\",backend=\"198.18.1.3:8080\"} 50")
                .contains("fulcrum_backend_healthy{group=\"web\",backend=\"198.18.1.2:80\"} 1")
                .contains("fulcrum_group_backends_healthy{group=\"dns\"} 1")
                .contains("fulcrum_node_backends_unhealthy{node=\"t1\"} 1")
                .contains("# TYPE fulcrum_control_request_duration_seconds histogram");

            // the control-request histogram counts requests served over the channel
            node.ctl("status");
            node.ctl("get", "config");
            final String served = get(node.httpPort, "/metrics");
            promtool(served);
            assertThat(value(served, "fulcrum_control_request_duration_seconds_count\\{node=\"t1\"}")).isGreaterThanOrEqualTo(2);
            assertThat(agent.errors()).isEmpty();
        }
    }

    static long value(final String text, final String series) {
        final Matcher m = Pattern.compile("(?m)^" + series + " (\\d+)$").matcher(text);
        assertThat(m.find()).as(series + " in\n" + text).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** Runs promtool's parser and linter on the exposition; fails on any problem it reports. */
    static void promtool(final String exposition) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check metrics:\n" + output + "\non:\n" + exposition).isZero();
        assertThat(output).as(output).doesNotContain("error");
    }
}
