package io.fulcrum.tls.http;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.HttpStageOptions;
import io.fulcrum.tls.TimeoutSettings;
import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.testing.Curl;
import io.fulcrum.tls.testing.RawHttp;
import io.fulcrum.tls.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Errors Fulcrum produces itself (404, 408, 499, 502, 503, 504) and the timeouts behind them. */
class ErrorsAndTimeoutsTest {
    private static final TimeoutSettings SHORT = new TimeoutSettings(Duration.ofSeconds(5), Duration.ofSeconds(1),
            Duration.ofSeconds(1), Duration.ofMillis(700), Duration.ofSeconds(5));

    @Test
    void noRuleAndNoDefaultGroupIs404() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(ProxyFixture.group("g", b))
                     .withRules(List.of(), List.of(ProxyFixture.group("g", b)), null))) {
            final Curl.Result r = Curl.run(10, "-i", p.url + "/nothing");
            assertThat(r.out()).startsWith("HTTP/1.1 404").contains("x-fulcrum-error: no-rule");
            assertThat(b.count()).isZero();
            assertThat(p.stage.listenerCounters().get("web").get(ListenerCounters.Counter.STATUS_404)).isEqualTo(1);
        }
    }

    @Test
    void longPipelineOfLocally404edRequestsIsAnsweredInOrderOnOneConnection() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(ProxyFixture.group("g", b))
                     .withRules(List.of(), List.of(ProxyFixture.group("g", b)), null))) {
            final StringBuilder req = new StringBuilder();
            final int n = 3000;
            for (int i = 0; i < n; i++) {
                req.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: x\r\n")
                        .append(i == n - 1 ? "Connection: close\r\n" : "").append("\r\n");
            }
            final String raw = RawHttp.exchange(p.address, req.toString(), 5000);
            assertThat(RawHttp.responses(raw)).isEqualTo(n);
            assertThat(p.stage.listenerCounters().get("web").get(ListenerCounters.Counter.STATUS_404)).isEqualTo(n);
            assertThat(p.stage.listenerCounters().get("web").get(ListenerCounters.Counter.CONNECTIONS_ACCEPTED))
                    .isEqualTo(1);
        }
    }

    @Test
    void noHealthyBackendIs503() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(ProxyFixture.group("g", b)),
                     new HttpStageOptions(2, g -> request -> null, null, null))) {
            final Curl.Result r = Curl.run(10, "-i", p.url + "/");
            assertThat(r.out()).startsWith("HTTP/1.1 503").contains("x-fulcrum-error: no-healthy-backend");
        }
    }

    @Test
    void refusedBackendIs502AfterTryingTheNext() throws Exception {
        final int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        final BackendGroupSettings g = new BackendGroupSettings("g", List.of(
                new Backend("dead1", new InetSocketAddress("127.0.0.1", deadPort), 1),
                new Backend("dead2", new InetSocketAddress("127.0.0.2", deadPort), 1)));
        try (ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(g).withTimeouts(SHORT))) {
            final Curl.Result r = Curl.run(10, "-i", p.url + "/");
            assertThat(r.out()).startsWith("HTTP/1.1 502").contains("x-fulcrum-error: backend-connect-failed");
            assertThat(p.stage.listenerCounters().get("web").get(ListenerCounters.Counter.RETRIES)).isEqualTo(1);
        }
    }

    @Test
    void refusedBackendFallsOverToLiveOne() throws Exception {
        final int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        try (TestBackend live = new TestBackend("live")) {
            final BackendGroupSettings g = new BackendGroupSettings("g", List.of(
                    new Backend("dead", new InetSocketAddress("127.0.0.1", deadPort), 1),
                    new Backend("live", live.address(), 1)));
            try (ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(g).withTimeouts(SHORT))) {
                for (int i = 0; i < 4; i++) {
                    final Curl.Result r = Curl.run(10, "-w", "\n%{http_code}", p.url + "/");
                    assertThat(r.code()).isEqualTo(200);
                }
                assertThat(live.count()).isEqualTo(4);
            }
        }
    }

    @Test
    void backendResetAndGarbageAre502() throws Exception {
        try (ServerSocket raw = new ServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress())) {
            final CompletableFuture<Void> server = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket s = raw.accept()) {
                        s.setSoTimeout(3000);
                        final InputStream in = s.getInputStream();
                        in.read(new byte[4096]);
                        if (i == 0) {
                            s.setSoLinger(true, 0);
                        } else {
                            s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                        }
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            final BackendGroupSettings g = new BackendGroupSettings("g", List.of(
                    new Backend("raw", new InetSocketAddress("127.0.0.1", raw.getLocalPort()), 1)));
            try (ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(g).withTimeouts(SHORT))) {
                final String r1 = RawHttp.exchange(p.address, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
                        3000);
                assertThat(RawHttp.status(r1)).as(r1).isEqualTo(502);
                assertThat(r1).contains("x-fulcrum-error: backend-reset");
                final String r2 = RawHttp.exchange(p.address, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
                assertThat(RawHttp.status(r2)).as(r2).isEqualTo(502);
                assertThat(r2).contains("x-fulcrum-error: bad-response-duplicate-content-length");
            }
            server.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void slowBackendIsRetriedForGetThen504() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(ProxyFixture.group("g", a, b))
                     .withTimeouts(SHORT))) {
            final long t0 = System.nanoTime();
            final Curl.Result r = Curl.run(10, "-i", p.url + "/sleep/2000");
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.out()).startsWith("HTTP/1.1 504").contains("x-fulcrum-error: backend-timeout");
            assertThat(ms).isBetween(1300L, 4000L);
            assertThat(p.stage.listenerCounters().get("web").get(ListenerCounters.Counter.STATUS_504)).isEqualTo(1);
            // POST is not idempotent: 504 after one try
            final long t1 = System.nanoTime();
            final Curl.Result post = Curl.run(10, "-i", "-d", "x=1", p.url + "/sleep/2000");
            assertThat(post.out()).startsWith("HTTP/1.1 504");
            assertThat((System.nanoTime() - t1) / 1_000_000).isBetween(600L, 1300L);
        }
    }

    @Test
    void slowlorisIsCutWith408WhileOthersAreServed() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(ProxyFixture.group("g", b)).withTimeouts(SHORT));
             Socket s = new Socket()) {
            s.connect(p.address, 2000);
            s.setSoTimeout(200);
            final OutputStream out = s.getOutputStream();
            final InputStream in = s.getInputStream();
            final byte[] drip = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes(
                    StandardCharsets.US_ASCII);
            final long t0 = System.nanoTime();
            String got = "";
            for (int i = 0; i < drip.length && got.isEmpty(); i++) {
                try {
                    out.write(drip[i]);
                    out.flush();
                } catch (java.io.IOException e) {
                    break;
                }
                if (i == 2) {
                    final Curl.Result other = Curl.run(5, "-w", "\n%{http_code}", p.url + "/");
                    assertThat(other.code()).isEqualTo(200);
                }
                got = RawHttp.readAll(in, 100);
            }
            if (got.isEmpty()) {
                got = RawHttp.readAll(in, 2000);
            }
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(RawHttp.status(got)).as(got).isEqualTo(408);
            assertThat(got).contains("x-fulcrum-error: request-timeout");
            assertThat(ms).isBetween(900L, 2500L);
        }
    }

    @Test
    void stalledRequestBodyIs408AndNeverACompleteRequestAtTheBackend() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(ProxyFixture.group("g", b)).withTimeouts(SHORT));
             Socket s = new Socket()) {
            s.connect(p.address, 2000);
            s.setSoTimeout(3000);
            s.getOutputStream().write("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"
                    .getBytes(StandardCharsets.US_ASCII));
            final long t0 = System.nanoTime();
            final String got = RawHttp.readAll(s.getInputStream(), 3000);
            assertThat(RawHttp.status(got)).as(got).isEqualTo(408);
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(700L, 2500L);
            Thread.sleep(200);
            assertThat(b.count()).isZero();
        }
    }

    @Test
    void clientLeavingBeforeResponseIsCounted499() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(ProxyFixture.group("g", b)))) {
            try (Socket s = new Socket()) {
                s.connect(p.address, 2000);
                s.getOutputStream().write("GET /sleep/500 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(150);
            }
            final ListenerCounters c = p.stage.listenerCounters().get("web");
            final long deadline = System.currentTimeMillis() + 3000;
            while (c.get(ListenerCounters.Counter.STATUS_499) == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(c.get(ListenerCounters.Counter.STATUS_499)).isEqualTo(1);
            assertThat(c.get(ListenerCounters.Counter.CONNECTIONS_ACTIVE)).isZero();
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosed() throws Exception {
        final TimeoutSettings idle = new TimeoutSettings(Duration.ofMillis(500), Duration.ofSeconds(5),
                Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5));
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(ProxyFixture.group("g", b)).withTimeouts(idle));
             Socket s = new Socket()) {
            s.connect(p.address, 2000);
            s.setSoTimeout(3000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            final long t0 = System.nanoTime();
            final String all = RawHttp.readAll(s.getInputStream(), 3000);
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(RawHttp.status(all)).isEqualTo(200);
            assertThat(ms).isBetween(400L, 2000L);
        }
    }
}
