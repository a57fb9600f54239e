package io.fulcrum.tls.http;

import io.fulcrum.tls.HeaderSettings;
import io.fulcrum.tls.testing.RawHttp;
import io.fulcrum.tls.testing.TestBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Forwarding headers added per listener switch, and hop-by-hop headers removed (RFC 9110 §7.6.1). */
class HeadersTest {
    @Test
    void forwardedHeadersAreSetAndHopByHopRemoved() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.group("g", b), s -> s.withHeaders(
                     new HeaderSettings(true, true, true, true, true, "X-Fulcrum-Node", "node-1")))) {
            final String raw = RawHttp.exchange(p.address, "GET /h HTTP/1.1\r\nHost: Example.COM:8080\r\n"
                    + "X-Forwarded-For: 203.0.113.7\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded-Proto: gopher\r\n"
                    + "Connection: keep-alive, X-Secret, close\r\nX-Secret: s3cret\r\nKeep-Alive: timeout=5\r\n"
                    + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: X-T\r\nUpgrade: h2c\r\n"
                    + "X-Fulcrum-Node: spoofed\r\nX-Keep: kept\r\n\r\n", 3000);
            assertThat(RawHttp.status(raw)).isEqualTo(200);
            final TestBackend.Seen seen = b.seen().getLast();
            assertThat(seen.header("X-Forwarded-For")).isEqualTo("203.0.113.7, 127.0.0.1");
            assertThat(seen.header("X-Real-IP")).isEqualTo("127.0.0.1");
            assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("http");
            assertThat(seen.header("X-Forwarded-Port")).isEqualTo(Integer.toString(p.address.getPort()));
            assertThat(seen.header("X-Forwarded-Host")).isEqualTo("Example.COM:8080");
            assertThat(seen.header("X-Fulcrum-Node")).isEqualTo("node-1");
            assertThat(seen.headers().get("X-Fulcrum-Node")).hasSize(1);
            assertThat(seen.header("Host")).isEqualTo("Example.COM:8080");
            assertThat(seen.header("X-Keep")).isEqualTo("kept");
            for (String hop : new String[] {"X-Secret", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade"}) {
                assertThat(seen.header(hop)).as(hop).isNull();
            }
            // "close" in the client's Connection header is honoured towards the client
            assertThat(raw).containsIgnoringCase("connection: close");
        }
    }

    @Test
    void switchesOffPassClientValuesThrough() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.group("g", b), s -> s.withHeaders(
                     new HeaderSettings(false, false, false, false, false, null, null)))) {
            RawHttp.exchange(p.address, "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.2.3.4\r\n"
                    + "Connection: close\r\n\r\n", 3000);
            final TestBackend.Seen seen = b.seen().getLast();
            assertThat(seen.header("X-Forwarded-For")).isEqualTo("1.2.3.4");
            assertThat(seen.header("X-Real-IP")).isNull();
            assertThat(seen.header("X-Forwarded-Proto")).isNull();
            assertThat(seen.header("X-Forwarded-Port")).isNull();
            assertThat(seen.header("X-Forwarded-Host")).isNull();
        }
    }

    @Test
    void absoluteFormTargetBecomesOriginFormWithItsHost() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.group("g", b), s -> s)) {
            RawHttp.exchange(p.address, "GET http://other.example:81/abs?q=1 HTTP/1.1\r\nHost: ignored\r\n"
                    + "Connection: close\r\n\r\n", 3000);
            final TestBackend.Seen seen = b.seen().getLast();
            assertThat(seen.uri()).isEqualTo("/abs?q=1");
            assertThat(seen.header("Host")).isEqualTo("other.example:81");
        }
    }
}
