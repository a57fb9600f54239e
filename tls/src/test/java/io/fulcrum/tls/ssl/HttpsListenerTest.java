package io.fulcrum.tls.ssl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.HttpStage;
import io.fulcrum.tls.HttpStageOptions;
import io.fulcrum.tls.TlsSettings;
import io.fulcrum.tls.metrics.TlsCounters;
import io.fulcrum.tls.testing.TestBackend;
import io.fulcrum.tls.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTPS listeners with real clients (openssl s_client, curl): SNI exact → wildcard → default, RSA and ECDSA for one
 * name, HTTP/1.1 and HTTP/2 by ALPN, X-Forwarded-Proto, session resumption, mutual TLS, certificate rotation.
 */
class HttpsListenerTest {
    static TestPki pki;
    static TestBackend backend;
    static HttpStage stage;
    static int port;
    static int mtlsPort;
    static int optionalPort;
    static int proxiedPort;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create();
        pki.server("default", true, "default.test", "default.test");
        pki.server("a-ec", true, "a.test", "a.test");
        pki.server("a-rsa", false, "a.test", "a.test");
        pki.server("wild", true, "w.test", "*.w.test");
        pki.server("rot", true, "rot.test", "rot.test");
        pki.client("clients", "alice", "alice");
        pki.client("strangers", "mallory", "mallory");
        backend = new TestBackend("b");
        final BackendGroupSettings group = new BackendGroupSettings("g", List.of(new Backend("b", backend.address(), 1)));
        final TlsSettings tls = new TlsSettings(List.of(cert("default"), cert("a-ec"), cert("a-rsa"), cert("wild"), cert("rot")),
                TlsSettings.Policy.TLS_1_2, TlsSettings.ClientAuth.OFF, null, true, true);
        final TlsSettings required = new TlsSettings(List.of(cert("default")), TlsSettings.Policy.TLS_1_2,
                TlsSettings.ClientAuth.REQUIRED, pki.file("clients.pem"), true, true);
        final TlsSettings optional = new TlsSettings(List.of(cert("default")), TlsSettings.Policy.TLS_1_2,
                TlsSettings.ClientAuth.OPTIONAL, pki.file("clients.pem"), false, true);
        final InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        stage = HttpStage.start(List.of(HttpListenerSettings.simple("web", any, group).withTls(tls),
                HttpListenerSettings.simple("mtls", any, group).withTls(required),
                HttpListenerSettings.simple("optional", any, group).withTls(optional),
                HttpListenerSettings.simple("proxied", any, group).withTls(new TlsSettings(List.of(cert("default")),
                        TlsSettings.Policy.TLS_1_2, TlsSettings.ClientAuth.OFF, null, true, true))
                        .withTrustedProxyCidrs(List.of("127.0.0.0/8"))), List.of(),
                HttpStageOptions.defaults().withThreads(2));
        port = stage.boundAddress("web").getPort();
        mtlsPort = stage.boundAddress("mtls").getPort();
        optionalPort = stage.boundAddress("optional").getPort();
        proxiedPort = stage.boundAddress("proxied").getPort();
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

    static String sClient(int p, String... args) throws Exception {
        final List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + p));
        cmd.addAll(List.of(args));
        return TestPki.run(null, 15, "", cmd).out();
    }

    static TestPki.Result curl(String... args) throws Exception {
        final List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "--cacert",
                pki.file("root.pem").toString()));
        cmd.addAll(List.of(args));
        return TestPki.run(null, 20, null, cmd);
    }

    @ParameterizedTest(name = "SNI {0} -> {1}")
    @CsvSource({"a.test, CN = a.test", "x.w.test, CN = w.test", "y.x.w.test, CN = default.test",
        "unknown.test, CN = default.test"})
    void sniPicksExactThenWildcardThenDefault(String name, String subject) throws Exception {
        assertThat(sClient(port, "-servername", name, "-CAfile", pki.file("root.pem").toString()))
                .contains("subject=" + subject).contains("Verify return code: 0 (ok)");
    }

    @Test
    void withoutSniTheDefaultCertificateIsServed() throws Exception {
        assertThat(sClient(port, "-noservername")).contains("subject=CN = default.test");
    }

    @Test
    void aNameWithRsaAndEcdsaServesEachToClientsThatAskForIt() throws Exception {
        assertThat(sClient(port, "-servername", "a.test", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"))
                .contains("Server public key is 2048 bit").contains("Cipher is ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(sClient(port, "-servername", "a.test", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"))
                .contains("Server public key is 256 bit");
        assertThat(sClient(port, "-servername", "a.test", "-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256"))
                .contains("Server public key is 256 bit");
        assertThat(sClient(port, "-servername", "a.test", "-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"))
                .contains("Server public key is 2048 bit");
    }

    @Test
    void http11AndHttp2ByAlpnReachTheBackendWithForwardedProtoHttps() throws Exception {
        final TestPki.Result h1 = curl("--http1.1", "-i", "--resolve", "a.test:" + port + ":127.0.0.1",
                "https://a.test:" + port + "/one");
        assertThat(h1.out()).as(h1.out()).startsWith("HTTP/1.1 200").contains("backend=b method=GET uri=/one");
        final TestPki.Result h2 = curl("--http2", "-i", "--resolve", "a.test:" + port + ":127.0.0.1",
                "-d", "hello=world", "https://a.test:" + port + "/two");
        assertThat(h2.out()).as(h2.out()).startsWith("HTTP/2 200").contains("backend=b method=POST uri=/two body=11");
        assertThat(backend.seen().getLast().header("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(backend.seen().getLast().header("Host")).isEqualTo("a.test:" + port);
    }

    @Test
    void sessionsAreResumed() throws Exception {
        final String out = sClient(port, "-servername", "a.test", "-reconnect", "-tls1_2");
        assertThat(out.lines().filter(l -> l.startsWith("Reused,")).count()).isGreaterThanOrEqualTo(5);
        assertThat(stage.tls().get("web").resumptions()).isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"-tls1_2, TLSv1.2", "-tls1_3, TLSv1.3"})
    void aSavedSessionIsResumed(String version, String protocol) throws Exception {
        final Path session = pki.file("session" + version + ".pem");
        final String connect = "openssl s_client -connect 127.0.0.1:" + port + " -servername a.test " + version;
        // BoringSSL sends TLS 1.3 tickets once the connection has carried data: one request, then wait for them
        final String request = "(printf 'HEAD / HTTP/1.1\\r\\nHost: a.test\\r\\n\\r\\n'; sleep 1) | ";
        final TestPki.Result first = TestPki.run(null, 15, null, List.of("sh", "-c", request + connect + " -sess_out "
                + session));
        assertThat(first.out()).contains("New, " + protocol);
        assertThat(session).as(first.out()).exists();
        final TestPki.Result second = TestPki.run(null, 15, null, List.of("sh", "-c", request + connect + " -sess_in "
                + session));
        assertThat(second.out()).contains("Reused, " + protocol);
    }

    @Test
    void requiredMutualTlsAcceptsClientsOfTheCaAndRefusesOthers() throws Exception {
        final TestPki.Result ok = curl("--cert", pki.file("alice.pem").toString(), "--key", pki.file("alice.key").toString(),
                "--resolve", "default.test:" + mtlsPort + ":127.0.0.1", "https://default.test:" + mtlsPort + "/m");
        assertThat(ok.out()).as(ok.out()).contains("backend=b");
        assertThat(backend.seen().getLast().header("X-Client-Verify")).isEqualTo("SUCCESS");
        assertThat(backend.seen().getLast().header("X-Client-DN")).isEqualTo("CN=alice");
        assertThat(backend.seen().getLast().header("X-Client-Fingerprint")).hasSize(64);
        final TestPki.Result none = curl("--resolve", "default.test:" + mtlsPort + ":127.0.0.1",
                "https://default.test:" + mtlsPort + "/m");
        assertThat(none.exit()).isNotZero();
        final TestPki.Result stranger = curl("--cert", pki.file("mallory.pem").toString(), "--key",
                pki.file("mallory.key").toString(), "--resolve", "default.test:" + mtlsPort + ":127.0.0.1",
                "https://default.test:" + mtlsPort + "/m");
        assertThat(stranger.exit()).isNotZero();
        // an issuer outside the bundle is refused with unknown_ca (not internal_error), which TLS 1.2 s_client prints
        assertThat(sClient(mtlsPort, "-tls1_2", "-servername", "default.test", "-cert", pki.file("mallory.pem").toString(),
                "-key", pki.file("mallory.key").toString())).contains("alert unknown ca").doesNotContain("internal error");
        final TlsCounters c = stage.tls().get("mtls").counters();
        assertThat(c.get(TlsCounters.Counter.FAILED_CLIENT_CERTIFICATE_MISSING)
                + c.get(TlsCounters.Counter.FAILED_CLIENT_CERTIFICATE_INVALID)).isGreaterThanOrEqualTo(2);
    }

    @Test
    void optionalMutualTlsPassesOnlyVerifiedIdentitiesAndDropsForgedHeaders() throws Exception {
        final String url = "https://default.test:" + optionalPort + "/o";
        final String resolve = "default.test:" + optionalPort + ":127.0.0.1";
        curl("--resolve", resolve, "-H", "X-Client-DN: CN=forged", url);
        assertThat(backend.seen().getLast().header("X-Client-Verify")).isEqualTo("NONE");
        assertThat(backend.seen().getLast().header("X-Client-DN")).isNull();
        curl("--resolve", resolve, "--cert", pki.file("mallory.pem").toString(), "--key", pki.file("mallory.key").toString(),
                url);
        assertThat(backend.seen().getLast().header("X-Client-Verify")).isEqualTo("FAILED");
        curl("--resolve", resolve, "--cert", pki.file("alice.pem").toString(), "--key", pki.file("alice.key").toString(),
                url);
        assertThat(backend.seen().getLast().header("X-Client-DN")).isEqualTo("CN=alice");
    }

    @Test
    void aChangedCertificateIsUsedForNewHandshakes() throws Exception {
        final Path rot = pki.file("rot.pem");
        final String before = sClient(port, "-servername", "rot.test");
        assertThat(before).contains("subject=CN = rot.test");
        pki.server("rot2", true, "rot2.test", "rot.test");
        Files.copy(pki.file("rot2.key"), pki.file("rot.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pki.file("rot2.pem"), rot, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        final long deadline = System.nanoTime() + 10_000_000_000L;
        String after = "";
        while (System.nanoTime() < deadline && !after.contains("subject=CN = rot2.test")) {
            Thread.sleep(300);
            after = sClient(port, "-servername", "rot.test");
        }
        assertThat(after).contains("subject=CN = rot2.test");
        assertThat(stage.tls().get("web").counters().get(TlsCounters.Counter.CERTIFICATE_RELOADS)).isPositive();
    }

    @Test
    void aProxyHeaderBeforeTheHandshakeGivesTheClientAddress() throws Exception {
        final java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (java.io.InputStream in = Files.newInputStream(pki.file("root.pem"))) {
            trust.setCertificateEntry("root", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        final javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        final javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (java.net.Socket plain = new java.net.Socket("127.0.0.1", proxiedPort)) {
            plain.setSoTimeout(5000);
            plain.getOutputStream().write(("PROXY TCP4 203.0.113.5 127.0.0.1 40000 " + proxiedPort + "\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            try (javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                    .createSocket(plain, "default.test", proxiedPort, true)) {
                tls.getOutputStream().write("GET /proxied HTTP/1.1\r\nHost: default.test\r\nConnection: close\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                final String response = io.fulcrum.tls.testing.RawHttp.readAll(tls.getInputStream(), 5000);
                assertThat(response).startsWith("HTTP/1.1 200");
            }
        }
        assertThat(backend.seen().getLast().uri()).isEqualTo("/proxied");
        assertThat(backend.seen().getLast().header("X-Real-IP")).isEqualTo("203.0.113.5");
        assertThat(backend.seen().getLast().header("X-Forwarded-Proto")).isEqualTo("https");
        // without a header the same listener serves the peer itself
        assertThat(curl("--resolve", "default.test:" + proxiedPort + ":127.0.0.1", "https://default.test:" + proxiedPort
                + "/plain").out()).contains("backend");
        assertThat(backend.seen().getLast().header("X-Real-IP")).isEqualTo("127.0.0.1");
    }
}
