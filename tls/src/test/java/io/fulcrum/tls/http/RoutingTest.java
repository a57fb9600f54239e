package io.fulcrum.tls.http;

import io.fulcrum.tls.ForwardingRule;
import io.fulcrum.tls.ForwardingRule.PathMatch;
import io.fulcrum.tls.RedirectSettings;
import io.fulcrum.tls.testing.Curl;
import io.fulcrum.tls.testing.RawHttp;
import io.fulcrum.tls.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Rules routing by host and path over real sockets, and redirects. */
class RoutingTest {
    static TestBackend api;
    static TestBackend web;
    static TestBackend fallback;
    static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        api = new TestBackend("api");
        web = new TestBackend("web");
        fallback = new TestBackend("fallback");
        proxy = ProxyFixture.start(ProxyFixture.listener(ProxyFixture.group("fallback", fallback)).withRules(List.of(
                        ForwardingRule.forward("r-api", "api.example.com", "/v1", PathMatch.PREFIX, "api"),
                        ForwardingRule.forward("r-web", "*.example.com", null, null, "web"),
                        new ForwardingRule("r-redirect", "secure.example.org", null, null, null,
                                RedirectSettings.toHttps()),
                        new ForwardingRule("r-redirect-path", null, "/go-secure", PathMatch.PREFIX, null,
                                RedirectSettings.toHttps())),
                List.of(ProxyFixture.group("api", api), ProxyFixture.group("web", web),
                        ProxyFixture.group("fallback", fallback)), "fallback"));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        api.close();
        web.close();
        fallback.close();
    }

    @Test
    void hostAndPathSelectTheGroup() throws Exception {
        assertThat(Curl.run(5, "-H", "Host: API.example.com:80", proxy.url + "/v1/users").out()).contains("backend=api");
        assertThat(Curl.run(5, "-H", "Host: api.example.com", proxy.url + "/v2").out()).contains("backend=web");
        assertThat(Curl.run(5, "-H", "Host: shop.example.com", proxy.url + "/v1").out()).contains("backend=web");
        assertThat(Curl.run(5, "-H", "Host: example.net", proxy.url + "/v1").out()).contains("backend=fallback");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "absolute-form with a query and no path | GET http://secure.example.org?x=1 HTTP/1.1\\r\\nHost: y"
            + " | https://secure.example.org/?x=1",
        "IPv6 literal host | GET /go-secure?q=1 HTTP/1.1\\r\\nHost: [::1]:8080 | https://[::1]/go-secure?q=1"
    })
    void redirectLocationIsAUri(String name, String head, String location) throws Exception {
        final String raw = RawHttp.exchange(proxy.address, head.replace("\\r\\n", "\r\n")
                + "\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(raw)).as(raw).isEqualTo(301);
        assertThat(raw).contains("\r\nLocation: " + location + "\r\n");
    }

    @Test
    void redirectKeepsHostPathAndQuery() throws Exception {
        final Curl.Result get = Curl.run(5, "-i", "-H", "Host: secure.example.org:8080", proxy.url + "/a/b?c=d&e=f");
        assertThat(get.out()).startsWith("HTTP/1.1 301").contains("Location: https://secure.example.org/a/b?c=d&e=f");
        final String post = RawHttp.exchange(proxy.address, "POST /form?x=1 HTTP/1.1\r\nHost: secure.example.org\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(post)).isEqualTo(308);
        assertThat(post).contains("Location: https://secure.example.org/form?x=1");
    }
}
