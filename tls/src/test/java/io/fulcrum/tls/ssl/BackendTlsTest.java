package io.fulcrum.tls.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.BackendTlsSettings;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.HttpStage;
import io.fulcrum.tls.HttpStageOptions;
import io.fulcrum.tls.metrics.BackendCounters;
import io.fulcrum.tls.testing.Curl;
import io.fulcrum.tls.testing.TestBackend;
import io.fulcrum.tls.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Re-encryption: HTTP listeners in front of HTTPS backends. A backend whose certificate chains to the group's CA (and
 * is for the server name) answers; one from another CA, or for another name, is refused with 502
 * {@code backend-tls-verify-failed} and counted, unless verification is off; a cleartext backend in an https group is a
 * failed handshake. SNI carries the server name; keep-alive connections are reused over TLS.
 */
class BackendTlsTest {
    static TestPki pki;
    static TestPki other;
    static TestBackend trusted;
    static TestBackend stranger;
    static TestBackend cleartext;
    static HttpStage stage;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create();
        other = TestPki.create();
        pki.server("backend", true, "backend.test", "backend.test");
        other.server("stranger", false, "backend.test", "backend.test");
        trusted = TestBackend.https("trusted", pki.file("backend.pem"), pki.file("backend.key"));
        stranger = TestBackend.https("stranger", other.file("stranger.pem"), other.file("stranger.key"));
        cleartext = new TestBackend("cleartext");
        final Path ca = pki.file("root.pem");
        stage = HttpStage.start(List.of(
                listener("named", trusted, new BackendTlsSettings(true, ca, "backend.test")),
                listener("chain-only", trusted, new BackendTlsSettings(true, ca, null)),
                listener("wrong-name", trusted, new BackendTlsSettings(true, ca, "other.test")),
                listener("other-ca", stranger, new BackendTlsSettings(true, ca, "backend.test")),
                listener("no-verify", stranger, new BackendTlsSettings(false, null, "backend.test")),
                listener("system-roots", trusted, BackendTlsSettings.DEFAULT),
                listener("not-tls", cleartext, new BackendTlsSettings(false, null, null))), List.of(),
                HttpStageOptions.defaults().withThreads(1));
    }

    static HttpListenerSettings listener(String id, TestBackend backend, BackendTlsSettings tls) {
        final BackendGroupSettings group = new BackendGroupSettings("g-" + id,
                List.of(new Backend(backend.name(), backend.address(), 1))).withTls(tls);
        return HttpListenerSettings.simple(id, new InetSocketAddress("127.0.0.1", 0), group);
    }

    @AfterAll
    static void stop() {
        if (stage != null) {
            stage.close();
        }
        for (TestBackend b : new TestBackend[] {trusted, stranger, cleartext}) {
            if (b != null) {
                b.close();
            }
        }
    }

    static Curl.Result get(String listener, String... paths) throws Exception {
        final List<String> args = new ArrayList<>(List.of("-i"));
        for (String p : paths) {
            args.add("http://127.0.0.1:" + stage.boundAddress(listener).getPort() + p);
        }
        return Curl.run(15, args.toArray(String[]::new));
    }

    static BackendCounters counters(String listener) {
        return stage.backendCounters().get(listener).get("g-" + listener).values().iterator().next();
    }

    @Test
    void aBackendCertificateFromTheCaForTheServerNameIsAcceptedAndSniCarriesTheName() throws Exception {
        final int before = trusted.serverNames().size();
        final Curl.Result r = get("named", "/a", "/b", "/c");
        assertThat(r.out()).as(r.err()).contains("backend=trusted method=GET uri=/a", "uri=/b", "uri=/c")
                .doesNotContain("x-fulcrum-error");
        assertThat(trusted.serverNames().subList(before, trusted.serverNames().size())).containsOnly("backend.test");
        // the three requests of one client connection shared one pooled TLS connection
        assertThat(counters("named").get(BackendCounters.Counter.CONNECTIONS_OPENED)).isEqualTo(1);
        assertThat(counters("named").get(BackendCounters.Counter.REQUESTS)).isEqualTo(3);
    }

    @Test
    void withoutAServerNameOnlyTheChainIsCheckedAndNoSniIsSent() throws Exception {
        final int before = trusted.serverNames().size();
        assertThat(get("chain-only", "/x").out()).startsWith("HTTP/1.1 200").contains("backend=trusted");
        assertThat(trusted.serverNames().subList(before, trusted.serverNames().size())).containsOnly("");
    }

    @Test
    void aCertificateForAnotherNameIsRefusedWith502AndCounted() throws Exception {
        final Curl.Result r = get("wrong-name", "/x");
        assertThat(r.out()).startsWith("HTTP/1.1 502").contains("x-fulcrum-error: backend-tls-verify-failed");
        assertThat(counters("wrong-name").get(BackendCounters.Counter.TLS_VERIFY_FAILURES)).isEqualTo(1);
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedWith502AndCounted() throws Exception {
        final int seen = stranger.count();
        final Curl.Result r = get("other-ca", "/x");
        assertThat(r.out()).startsWith("HTTP/1.1 502").contains("x-fulcrum-error: backend-tls-verify-failed");
        assertThat(counters("other-ca").get(BackendCounters.Counter.TLS_VERIFY_FAILURES)).isEqualTo(1);
        assertThat(counters("other-ca").get(BackendCounters.Counter.TLS_HANDSHAKE_FAILURES)).isZero();
        // nothing of the request reached the backend
        assertThat(stranger.count()).isEqualTo(seen);
    }

    @Test
    void withVerificationOffAnyCertificateIsAccepted() throws Exception {
        assertThat(get("no-verify", "/x").out()).startsWith("HTTP/1.1 200").contains("backend=stranger");
    }

    @Test
    void theJdkRootsDoNotTrustAPrivateCa() throws Exception {
        assertThat(get("system-roots", "/x").out()).startsWith("HTTP/1.1 502")
                .contains("x-fulcrum-error: backend-tls-verify-failed");
    }

    @Test
    void aCleartextBackendInAnHttpsGroupIsAFailedHandshake() throws Exception {
        final Curl.Result r = get("not-tls", "/x");
        assertThat(r.out()).startsWith("HTTP/1.1 502").contains("x-fulcrum-error: backend-tls-handshake-failed");
        assertThat(counters("not-tls").get(BackendCounters.Counter.TLS_HANDSHAKE_FAILURES)).isEqualTo(1);
    }

    @Test
    void anUnreadableCaBundleIsRefusedWithTheFile() throws Exception {
        final Path missing = Files.createTempDirectory("fulcrum-ca").resolve("missing.pem");
        assertThatThrownBy(() -> new BackendTlsContext("g", new BackendTlsSettings(true, missing, null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group g: tls.ca:")
                .hasMessageContaining("missing.pem");
    }
}
