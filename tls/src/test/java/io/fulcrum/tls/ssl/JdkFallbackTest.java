package io.fulcrum.tls.ssl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.BackendTlsSettings;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.HttpStage;
import io.fulcrum.tls.HttpStageOptions;
import io.fulcrum.tls.TlsSettings;
import io.fulcrum.tls.testing.TestBackend;
import io.fulcrum.tls.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The JDK SSLEngine fallback (what runs when BoringSSL cannot load), forced with {@code fulcrum.tls.provider=jdk}: an
 * HTTPS listener still serves HTTP/1.1 and HTTP/2 by ALPN over TLS 1.2 and 1.3, SNI still picks the certificate, and
 * re-encryption to an HTTPS backend still verifies it.
 */
class JdkFallbackTest {
    static TestPki pki;
    static TestBackend backend;
    static HttpStage stage;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create();
        pki.server("default", true, "default.test", "default.test");
        pki.server("a", false, "a.test", "a.test");
        pki.server("backend", true, "backend.test", "backend.test");
        backend = TestBackend.https("b", pki.file("backend.pem"), pki.file("backend.key"));
        final TlsSettings tls = new TlsSettings(List.of(cert("default"), cert("a")), TlsSettings.Policy.TLS_1_2,
                TlsSettings.ClientAuth.OFF, null, true, true);
        final BackendGroupSettings group = new BackendGroupSettings("g", List.of(new Backend("b", backend.address(), 1)))
                .withTls(new BackendTlsSettings(true, pki.file("root.pem"), "backend.test"));
        System.setProperty(TlsProviders.PROPERTY, "jdk");
        try {
            stage = HttpStage.start(List.of(HttpListenerSettings.simple("web", new InetSocketAddress("127.0.0.1", 0), group)
                    .withTls(tls)), List.of(), HttpStageOptions.defaults().withThreads(1));
        } finally {
            // contexts are built at start: the rest of the JVM's tests keep BoringSSL
            System.clearProperty(TlsProviders.PROPERTY);
        }
        port = stage.boundAddress("web").getPort();
    }

    static TlsSettings.Certificate cert(String name) {
        return new TlsSettings.Certificate(pki.file(name + ".pem"), pki.file(name + ".key"));
    }

    @AfterAll
    static void stop() {
        if (stage != null) {
            stage.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    static TestPki.Result curl(String... args) throws Exception {
        final List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-i", "--max-time", "10", "--cacert",
                pki.file("root.pem").toString(), "--resolve", "a.test:" + port + ":127.0.0.1", "--resolve",
                "default.test:" + port + ":127.0.0.1"));
        cmd.addAll(List.of(args));
        return TestPki.run(null, 20, null, cmd);
    }

    @Test
    void theListenerRunsOnTheJdk() {
        assertThat(stage.tls().get("web").implementation()).startsWith("JDK SSLEngine (forced by fulcrum.tls.provider");
        assertThat(TlsProviders.jdkForced()).isFalse();
    }

    @Test
    void http11AndHttp2ByAlpnReachTheHttpsBackend() throws Exception {
        final TestPki.Result h1 = curl("--http1.1", "https://default.test:" + port + "/one");
        assertThat(h1.out()).as(h1.out()).startsWith("HTTP/1.1 200").contains("backend=b method=GET uri=/one")
                .contains("x-forwarded-proto: https");
        final TestPki.Result h2 = curl("--http2", "https://default.test:" + port + "/two");
        assertThat(h2.out()).as(h2.out()).startsWith("HTTP/2 200").contains("backend=b method=GET uri=/two");
        assertThat(backend.serverNames()).contains("backend.test");
    }

    @Test
    void sniAndBothVersionsWork() throws Exception {
        for (String version : List.of("--tlsv1.2 --tls-max 1.2", "--tlsv1.3")) {
            final List<String> args = new ArrayList<>(List.of(version.split(" ")));
            args.addAll(List.of("-w", "%{ssl_verify_result}", "-o", "/dev/null", "https://a.test:" + port + "/v"));
            final TestPki.Result r = curl(args.toArray(String[]::new));
            assertThat(r.out().strip()).as(version + ": " + r.out()).isEqualTo("0");
        }
        final String out = TestPki.run(null, 15, "", List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "a.test", "-tls1_3")).out();
        assertThat(out).contains("subject=CN = a.test").contains("New, TLSv1.3");
    }
}
