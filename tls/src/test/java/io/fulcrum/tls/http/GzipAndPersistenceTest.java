package io.fulcrum.tls.http;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.CookiePersistenceSettings;
import io.fulcrum.tls.GzipSettings;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.testing.Curl;
import io.fulcrum.tls.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Response gzip (types, minimum size, per-listener switch) and L7 cookie persistence through the selector hook. */
class GzipAndPersistenceTest {
    @Test
    void gzipCompressesListedTypesAboveMinimumOnly() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.group("g", b), s -> s.withGzip(
                     new GzipSettings(true, Set.of("text/plain"), 256, 6)))) {
            // chunked text/plain from the backend: compressed, curl decompresses and gets the exact text
            final Curl.Result big = Curl.run(10, "-s", "--compressed", "-D", "-", p.url + "/chunked/200");
            assertThat(big.out()).containsIgnoringCase("content-encoding: gzip").contains("part 199 of the chunked");
            final Curl.Result raw = Curl.run(10, "-s", "-H", "Accept-Encoding: gzip", "-o", "/dev/null",
                    "-w", "%{size_download}", p.url + "/chunked/200");
            assertThat(Long.parseLong(raw.out().strip())).isLessThan(200 * 40);
            // small body (under 256 bytes): not compressed
            final Curl.Result small = Curl.run(10, "-s", "-D", "-", "-H", "Accept-Encoding: gzip", p.url + "/s");
            assertThat(small.out()).doesNotContainIgnoringCase("content-encoding");
            // no Accept-Encoding: not compressed
            final Curl.Result plain = Curl.run(10, "-s", "-D", "-", p.url + "/chunked/50");
            assertThat(plain.out()).doesNotContainIgnoringCase("content-encoding").contains("part 49 of");
            // other type: not compressed
            final Curl.Result bin = Curl.run(10, "-s", "-D", "-", "-o", "/dev/null", "-H", "Accept-Encoding: gzip",
                    p.url + "/download/5000");
            assertThat(bin.out()).doesNotContainIgnoringCase("content-encoding");
        }
    }

    @Test
    void gzipOffByDefault() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.group("g", b), s -> s)) {
            final Curl.Result r = Curl.run(10, "-s", "-D", "-", "-H", "Accept-Encoding: gzip", p.url + "/chunked/200");
            assertThat(r.out()).doesNotContainIgnoringCase("content-encoding");
        }
    }

    @Test
    void persistentRequestGets504WithoutRetry() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b")) {
            final BackendGroupSettings g = new BackendGroupSettings("g", List.of(new Backend("a", a.address(), 1),
                    new Backend("b", b.address(), 1)), CookiePersistenceSettings.insert());
            final io.fulcrum.tls.TimeoutSettings t = new io.fulcrum.tls.TimeoutSettings(java.time.Duration.ofSeconds(5),
                    java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(1), java.time.Duration.ofMillis(600),
                    java.time.Duration.ofSeconds(5));
            try (ProxyFixture p = ProxyFixture.start(HttpListenerSettings.simple("web",
                    new java.net.InetSocketAddress("127.0.0.1", 0), g).withTimeouts(t))) {
                final long t0 = System.nanoTime();
                final Curl.Result r = Curl.run(10, "-s", "-D", "-", "-b", "FULCRUM_ID=a", p.url + "/sleep/1500");
                final long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(r.out()).startsWith("HTTP/1.1 504");
                assertThat(ms).as("no second try on b").isLessThan(1100);
                Thread.sleep(1200);
                assertThat(b.count()).isZero();
            }
        }
    }

    @Test
    void insertedCookiePinsTheBackendAndIsNeverSetOn4xx() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b")) {
            final BackendGroupSettings g = new BackendGroupSettings("g", List.of(new Backend("a", a.address(), 1),
                    new Backend("b", b.address(), 1)), CookiePersistenceSettings.insert());
            try (ProxyFixture p = ProxyFixture.start(HttpListenerSettings.simple("web",
                    new java.net.InetSocketAddress("127.0.0.1", 0), g))) {
                final Curl.Result first = Curl.run(10, "-s", "-D", "-", p.url + "/");
                final String setCookie = first.out().lines().filter(l -> l.toLowerCase().startsWith("set-cookie:"))
                        .findFirst().orElseThrow();
                final String id = setCookie.substring(setCookie.indexOf("FULCRUM_ID=") + 11, setCookie.indexOf(';'));
                for (int i = 0; i < 6; i++) {
                    final Curl.Result r = Curl.run(10, "-s", "-D", "-", "-b", "FULCRUM_ID=" + id, p.url + "/");
                    assertThat(r.out()).contains("backend=" + id);
                    assertThat(r.out()).doesNotContainIgnoringCase("set-cookie");
                }
                final Curl.Result notFound = Curl.run(10, "-s", "-D", "-", p.url + "/status/404");
                assertThat(notFound.out()).startsWith("HTTP/1.1 404").doesNotContainIgnoringCase("set-cookie");
            }
        }
    }
}
