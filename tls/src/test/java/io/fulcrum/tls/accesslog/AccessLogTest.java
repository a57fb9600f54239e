package io.fulcrum.tls.accesslog;

import io.fulcrum.tls.AccessLogSettings;
import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.HttpStage;
import io.fulcrum.tls.HttpStageOptions;
import io.fulcrum.tls.testing.Curl;
import io.fulcrum.tls.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The 32-field access log, written off the event loop, with per-try upstream lists, and its rotation. */
class AccessLogTest {
    private static final Pattern TOKEN = Pattern.compile("\"[^\"]*\"|\\[[^\\]]*\\]|\\S+");

    static List<String> fields(String line) {
        final List<String> out = new ArrayList<>();
        final Matcher m = TOKEN.matcher(line);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    @Test
    void retriedRequestListsEveryTry(@TempDir Path dir) throws Exception {
        final int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        final Path log = dir.resolve("access.log");
        try (TestBackend live = new TestBackend("live")) {
            final BackendGroupSettings g = new BackendGroupSettings("pool1", List.of(
                    new Backend("dead", new InetSocketAddress("127.0.0.1", deadPort), 1),
                    new Backend("live", live.address(), 1)));
            final HttpListenerSettings s = HttpListenerSettings.simple("l1", new InetSocketAddress("127.0.0.1", 0), g)
                    .withAccessLog(AccessLogSettings.of(log));
            try (HttpStage stage = HttpStage.start(List.of(s), List.of(), new HttpStageOptions(1, null,
                    Map.of("lb_name", "lb7", "tenant_id", "t1", "log_ver", "1"), null))) {
                final int port = stage.boundAddress("l1").getPort();
                final Curl.Result r = Curl.run(10, "-w", "\n%{http_code}", "-A", "test-agent/1.0", "-e", "http://ref/",
                        "-H", "X-Forwarded-For: 198.51.100.9", "http://127.0.0.1:" + port + "/path?q=1");
                assertThat(r.code()).isEqualTo(200);
            }
        }
        final List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(1);
        final List<String> f = fields(lines.getFirst());
        assertThat(f).as(lines.getFirst()).hasSize(32);
        assertThat(f.get(0)).matches("\\d+\\.\\d{3}");
        assertThat(f.get(2)).startsWith("[").endsWith("]");
        assertThat(f.get(3)).isEqualTo("1");
        assertThat(f.get(4)).startsWith("127.0.0.1:");
        assertThat(f.get(5)).isEqualTo("200");
        assertThat(f.get(6)).startsWith("\"GET http://127.0.0.1:").endsWith("/path?q=1 HTTP/1.1\"");
        assertThat(Long.parseLong(f.get(7))).isPositive();
        assertThat(Long.parseLong(f.get(8))).isGreaterThan(Long.parseLong(f.get(9)));
        assertThat(f.get(11)).isEqualTo("\"502, 200\"");
        // connect time is "-" for the refused try, as nginx logs it (no connection was established)
        assertThat(f.get(12)).matches("\"-, \\d+\\.\\d{3}\"");
        assertThat(f.get(13)).matches("\"-, \\d+\\.\\d{3}\"");
        assertThat(f.get(14)).matches("\"\\d+\\.\\d{3}, \\d+\\.\\d{3}\"");
        assertThat(f.get(15)).isEqualTo("\"127.0.0.1:" + deadPort + ", " + f.get(15).split(", ")[1]);
        assertThat(f.get(16)).isEqualTo("\"test-agent/1.0\"");
        assertThat(f.get(17)).isEqualTo("\"http://ref/\"");
        assertThat(f.get(18)).isEqualTo("\"198.51.100.9\"");
        assertThat(f.get(19)).isEqualTo("loadbalancer_lb7");
        assertThat(f.get(20)).isEqualTo("listener_l1");
        assertThat(f.get(21)).isEqualTo("l1");
        assertThat(f.get(22)).isEqualTo("pool_pool1");
        assertThat(f.get(23)).isEqualTo("\"member_live\"");
        assertThat(f.get(24)).isEqualTo("t1");
        assertThat(f.get(25)).startsWith("127.0.0.1:");
        assertThat(f.get(28)).isEqualTo("-");
        assertThat(f.get(29)).isEqualTo("-");
    }

    @Test
    void sizeRotationAndDropsWhenQueueIsFull(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("rot.log");
        final AccessLogFormat fmt = AccessLogFormat.compile("$status $request_method $router_request_uri", Map.of());
        try (AccessLogWriter w = new AccessLogWriter(file, 200, false, 16)) {
            int accepted = 0;
            for (int i = 0; i < 10_000; i++) {
                if (w.offer(entry(fmt, "/r" + i))) {
                    accepted++;
                }
            }
            // a burst larger than the queue never blocks the producer: the excess is dropped and counted
            assertThat(accepted + w.dropped()).isEqualTo(10_000);
            // then a paced stream well past the 200-byte limit (each entry retried until the queue has room, so
            // the writer thread's speed on a busy machine does not decide whether the file rotates)
            final long deadline = System.nanoTime() + 10_000_000_000L;
            for (int i = 0; i < 100 && System.nanoTime() < deadline; i++) {
                while (!w.offer(entry(fmt, "/paced" + i)) && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
            }
        }
        try (var files = Files.list(dir)) {
            assertThat(files.count()).isGreaterThan(1);
        }
    }

    private static AccessLogEntry entry(AccessLogFormat fmt, String uri) {
        return new AccessLogEntry(fmt, System.currentTimeMillis(), "127.0.0.1", 1, 200, "GET", "http", "h", uri,
                "HTTP/1.1", 10, 10, 0, 1, null, null, null, null, null, null, null, null, "l", "l", null, null,
                "127.0.0.1", 80, null, null, null, -1);
    }
}
