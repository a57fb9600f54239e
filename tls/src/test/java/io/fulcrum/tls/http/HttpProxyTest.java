package io.fulcrum.tls.http;

import io.fulcrum.tls.metrics.BackendCounters;
import io.fulcrum.tls.testing.Curl;
import io.fulcrum.tls.testing.RawHttp;
import io.fulcrum.tls.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Real-socket tests of the HTTP/1.1 proxy path: forwarding, keep-alive, pipelining, bodies, 100-continue. */
class HttpProxyTest {
    static TestBackend a;
    static TestBackend b;
    static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        a = new TestBackend("a");
        b = new TestBackend("b");
        proxy = ProxyFixture.start(ProxyFixture.group("g", a, b), s -> s);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        a.close();
        b.close();
    }

    @Test
    void getIsForwardedRoundRobin() throws Exception {
        final Curl.Result r1 = Curl.run(10, proxy.url + "/hello?x=1");
        final Curl.Result r2 = Curl.run(10, proxy.url + "/hello?x=1");
        assertThat(r1.exit()).as(r1.err()).isZero();
        assertThat(r1.out()).contains("method=GET uri=/hello?x=1 body=0");
        assertThat(r1.out() + r2.out()).contains("backend=a").contains("backend=b");
    }

    @Test
    void keepAliveReusesClientConnectionAndPipelinedResponsesStayInOrder() throws Exception {
        final String req = "GET /p1 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /sleep/300 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /p3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        final String raw = RawHttp.exchange(proxy.address, req, 5000);
        assertThat(RawHttp.responses(raw)).isEqualTo(3);
        final int i1 = raw.indexOf("uri=/p1");
        final int i2 = raw.indexOf("uri=/sleep/300");
        final int i3 = raw.indexOf("uri=/p3");
        assertThat(i1).isPositive().isLessThan(i2);
        assertThat(i2).isLessThan(i3);
    }

    @Test
    void chunkedUploadIsStreamedAndReframed() throws Exception {
        final String req = "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
        final String raw = RawHttp.exchange(proxy.address, req, 5000);
        assertThat(RawHttp.status(raw)).isEqualTo(200);
        assertThat(raw).contains("method=POST uri=/up body=11");
    }

    @Test
    void contentLengthPostAndExpectContinueWithCurl(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        final Path f = dir.resolve("body.bin");
        Files.write(f, new byte[300_000]);
        final Curl.Result r = Curl.run(10, "-H", "Expect: 100-continue", "--data-binary", "@" + f, proxy.url + "/post");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("method=POST uri=/post body=300000");
        assertThat(r.out()).doesNotContain("expect:");
    }

    @Test
    void chunkedResponseIsPassedToClient() throws Exception {
        final Curl.Result r = Curl.run(10, "-i", proxy.url + "/chunked/20");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).containsIgnoringCase("transfer-encoding: chunked");
        assertThat(r.out()).contains("part 19 of the chunked body");
    }

    @Test
    void http10ClientGetsCloseDelimitedBody() throws Exception {
        final String raw = RawHttp.exchange(proxy.address, "GET /chunked/3 HTTP/1.0\r\n\r\n", 5000);
        assertThat(RawHttp.status(raw)).isEqualTo(200);
        assertThat(raw).doesNotContainIgnoringCase("transfer-encoding").contains("part 2 of");
    }

    @Test
    void backendConnectionsAreReusedAcrossRequests() throws Exception {
        try (TestBackend only = new TestBackend("only");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.group("solo", only), s -> s)) {
            for (int i = 0; i < 20; i++) {
                final String raw = RawHttp.exchange(p.address, "GET /r" + i + " HTTP/1.1\r\nHost: x\r\n"
                        + "Connection: close\r\n\r\n", 3000);
                assertThat(RawHttp.status(raw)).isEqualTo(200);
            }
            final BackendCounters c = p.stage.backendCounters().get("web").get("solo").get("only");
            assertThat(c.get(BackendCounters.Counter.REQUESTS)).isEqualTo(20);
            // one pooled connection per event loop at most (the fixture runs two loops)
            assertThat(c.get(BackendCounters.Counter.CONNECTIONS_OPENED)).isBetween(1L, 2L);
        }
    }

    @Test
    void headRequestHasNoBody() throws Exception {
        final String raw = RawHttp.exchange(proxy.address, "HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n"
                + "GET /after-head HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", 5000);
        assertThat(RawHttp.responses(raw)).isEqualTo(2);
        assertThat(raw).contains("uri=/after-head");
    }
}
