package io.fulcrum.tls.ssl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
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
import java.nio.file.Files;
import java.util.List;

/**
 * OCSP stapling: a DER OCSP response in {@code <cert>.ocsp} (made here by {@code openssl ocsp} acting as the
 * intermediate's responder) is stapled for clients that ask ({@code s_client -status}); a certificate without the file
 * staples nothing.
 */
class OcspStaplingTest {
    static TestPki pki;
    static TestBackend backend;
    static HttpStage stage;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create();
        pki.server("stapled", true, "stapled.test", "stapled.test");
        pki.server("plain", true, "plain.test", "plain.test");
        final String serial = pki.openssl("x509", "-in", "stapled.leaf.pem", "-noout", "-serial").strip().substring(7);
        Files.writeString(pki.file("index.txt"), "V\t491231235959Z\t\t" + serial + "\tunknown\t/CN=stapled.test\n");
        pki.openssl("ocsp", "-issuer", "inter.pem", "-cert", "stapled.leaf.pem", "-no_nonce", "-reqout", "req.der");
        pki.openssl("ocsp", "-index", "index.txt", "-rsigner", "inter.pem", "-rkey", "inter.key", "-CA", "inter.pem",
                "-reqin", "req.der", "-respout", "stapled.pem.ocsp", "-ndays", "1");
        backend = new TestBackend("b");
        final TlsSettings tls = new TlsSettings(List.of(
                new TlsSettings.Certificate(pki.file("stapled.pem"), pki.file("stapled.key")),
                new TlsSettings.Certificate(pki.file("plain.pem"), pki.file("plain.key"))),
                TlsSettings.Policy.TLS_1_2, TlsSettings.ClientAuth.OFF, null, true, true);
        stage = HttpStage.start(List.of(HttpListenerSettings.simple("web", new InetSocketAddress("127.0.0.1", 0),
                new BackendGroupSettings("g", List.of(new Backend("b", backend.address(), 1)))).withTls(tls)), List.of(),
                HttpStageOptions.defaults().withThreads(1));
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

    static String status(String name, String version) throws Exception {
        return TestPki.run(null, 15, "", List.of("openssl", "s_client", "-connect", "127.0.0.1:"
                + stage.boundAddress("web").getPort(), "-servername", name, version, "-status")).out();
    }

    @Test
    void theStapleFileIsSentToClientsThatAsk() throws Exception {
        assertThat(stage.tls().get("web").implementation()).contains("BoringSSL");
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            assertThat(status("stapled.test", version)).as(version).contains("OCSP Response Status: successful (0x0)")
                    .contains("Cert Status: good").contains("Responder Id: CN = Fulcrum Test Intermediate");
        }
    }

    @Test
    void aCertificateWithoutAStapleFileStaplesNothing() throws Exception {
        assertThat(status("plain.test", "-tls1_2")).contains("OCSP response: no response sent")
                .contains("subject=CN = plain.test");
    }
}
