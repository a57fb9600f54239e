package io.fulcrum.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * TLS through the real binary in the namespace lab (a node without packet mode): an HTTPS listener (HTTP/1.1 and
 * HTTP/2 by ALPN, curl and h2load), the HTTP→HTTPS redirect listener, a TLS listener (TCP over TLS with PROXY v2 to the
 * backend), certificate rotation under h2load load with zero failed requests, session resumption (TLS 1.2 and 1.3),
 * and re-encryption to HTTPS backends (verified against a CA with SNI, refused for another CA, accepted unverified).
 * Certificates are made with openssl in a temporary directory.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class L7HttpsTest {
    private static final String HOST = "example.test";
    private static final String BACKEND_NAME = "backend.internal.test";
    private static Lab lab;
    private static Path work;
    private static FulcrumProcess fulcrum;
    private static final List<Process> backends = new ArrayList<>();

    @BeforeAll
    static void up() throws Exception {
        lab = Lab.up(2);
        work = Files.createTempDirectory("fulcrum-https");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key");
        openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=Fulcrum System Test CA", "-days", "2", "-out", "ca.pem");
        server("server", "/O=first/CN=" + HOST);
        server("rotated", "/O=second/CN=" + HOST);
        backend("b1", "http", "b1", "80");
        backend("b2", "http", "b2", "80");
        backend("b1", "proxy2", "b1", "9000");
        // re-encryption: HTTPS backends with a certificate of the backend CA, and one of an unrelated CA
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "backend-ca.key");
        openssl("req", "-x509", "-new", "-key", "backend-ca.key", "-subj", "/CN=Fulcrum Backend CA", "-days", "2", "-out",
            "backend-ca.pem");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "rogue-ca.key");
        openssl("req", "-x509", "-new", "-key", "rogue-ca.key", "-subj", "/CN=Rogue CA", "-days", "2", "-out", "rogue-ca.pem");
        issue("backend", BACKEND_NAME, "backend-ca");
        issue("rogue", BACKEND_NAME, "rogue-ca");
        backend("b1", "https", "b1-tls", "8443", work.resolve("backend.pem").toString(), work.resolve("backend.key").toString());
        backend("b1", "https", "b1-rogue", "8444", work.resolve("rogue.pem").toString(), work.resolve("rogue.key").toString());
        final Path runDir = work.resolve("run");
        final Path config = work.resolve("https.yaml");
        Files.writeString(config, """
            node: {name: tls-st, run-dir: %s}
            dataplane: {}
            listeners:
              - name: web-https
                protocol: https
                vip: 198.18.0.1
                port: 8443
                group: web
                certificates: [{cert: server.pem, key: server.key}]
              - {name: web-http, protocol: http, vip: 198.18.0.1, port: 8080, redirect-to: web-https}
              - name: db-tls
                protocol: tls
                vip: 198.18.0.1
                port: 9443
                group: relay
                certificates: [{cert: server.pem, key: server.key}]
                proxy-protocol: v2
              - {name: to-tls, protocol: http, vip: 198.18.0.1, port: 8081, group: tls-trusted}
              - {name: to-rogue, protocol: http, vip: 198.18.0.1, port: 8082, group: tls-rogue}
              - {name: to-rogue-unverified, protocol: http, vip: 198.18.0.1, port: 8083, group: tls-unverified}
            backend-groups:
              - name: web
                backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
              - name: relay
                backends: [{address: 198.18.1.11, port: 9000}]
              - name: tls-trusted
                backends: [{address: 198.18.1.11, port: 8443}]
                protocol: https
                tls: {ca: backend-ca.pem, server-name: %2$s}
                health-check: %3$s
              - name: tls-rogue
                backends: [{address: 198.18.1.11, port: 8444}]
                protocol: https
                tls: {ca: backend-ca.pem, server-name: %2$s}
                health-check: %3$s
              - name: tls-unverified
                backends: [{address: 198.18.1.11, port: 8444}]
                protocol: https
                tls: {verify: false, server-name: %2$s}
                health-check: %3$s
            """.formatted(runDir, BACKEND_NAME, "{type: https, interval: 1, timeout: 1, healthy-threshold: 1}"));
        fulcrum = FulcrumProcess.start(lab.ns("lb"), config, runDir, Duration.ofSeconds(60));
    }

    private static void server(final String name, final String subject) {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        openssl("req", "-new", "-key", name + ".key", "-subj", subject, "-out", name + ".csr");
        try {
            Files.writeString(work.resolve(name + ".ext"), "subjectAltName=DNS:" + HOST + "\n");
        } catch (final java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", name + ".ext", "-out", name + ".pem");
    }

    /** A certificate {@code name.pem} for {@code dnsName} issued by the CA {@code ca}. */
    private static void issue(final String name, final String dnsName, final String ca) {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        openssl("req", "-new", "-key", name + ".key", "-subj", "/CN=" + dnsName, "-out", name + ".csr");
        try {
            Files.writeString(work.resolve(name + ".ext"), "subjectAltName=DNS:" + dnsName + "\n");
        } catch (final java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial", "-days",
            "2", "-extfile", name + ".ext", "-out", name + ".pem");
    }

    private static void openssl(final String... args) {
        final List<String> cmd = new ArrayList<>(List.of("sh", "-c", "cd " + work + " && openssl \"$@\"", "openssl"));
        cmd.addAll(List.of(args));
        final Lab.Result r = Lab.run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
        if (!r.ok()) {
            throw new IllegalStateException(r.toString());
        }
    }

    @AfterAll
    static void down() throws Exception {
        try {
            if (fulcrum != null) {
                assertThat(fulcrum.stop()).isZero();
            }
        } finally {
            backends.forEach(Process::destroyForcibly);
            if (lab != null) {
                lab.close();
            }
        }
    }

    private static void backend(final String role, final String... args) throws Exception {
        backends.add(lab.backend(work, role, args));
    }

    private static Lab.Result client(final String... command) {
        return lab.exec("client", Duration.ofSeconds(30), command);
    }

    private static Lab.Result curl(final String... args) {
        final List<String> command = new ArrayList<>(List.of("curl", "-sS", "-m", "10", "--cacert",
            work.resolve("ca.pem").toString(), "--resolve", HOST + ":8443:198.18.0.1"));
        command.addAll(List.of(args));
        return client(command.toArray(String[]::new));
    }

    @Order(1)
    @Test
    void httpsWithHttp11AndHttp2ReachesBothBackends() {
        final Set<String> seen = new HashSet<>();
        for (final String version : List.of("--http1.1", "--http2", "--http1.1", "--http2", "--http1.1", "--http2")) {
            final Lab.Result r = curl(version, "-i", "https://" + HOST + ":8443/p");
            assertThat(r.stdout()).as(r.toString()).startsWith(version.equals("--http2") ? "HTTP/2 200" : "HTTP/1.1 200")
                .contains("header x-forwarded-proto: https", "header x-forwarded-port: 8443");
            final Matcher m = Pattern.compile("backend=(b\\d)").matcher(r.stdout());
            assertThat(m.find()).isTrue();
            seen.add(m.group(1));
        }
        assertThat(seen).containsExactlyInAnyOrder("b1", "b2");
    }

    @Order(2)
    @Test
    void theHttpListenerRedirectsToHttps() {
        final Lab.Result get = client("curl", "-sS", "-i", "-m", "5", "http://" + HOST + ":8080/a/b?c=d", "--resolve",
            HOST + ":8080:198.18.0.1");
        assertThat(get.stdout()).startsWith("HTTP/1.1 301").contains("Location: https://" + HOST + ":8443/a/b?c=d");
        final Lab.Result post = client("curl", "-sS", "-i", "-m", "5", "-d", "x", "http://198.18.0.1:8080/form");
        assertThat(post.stdout()).startsWith("HTTP/1.1 308").contains("Location: https://198.18.0.1:8443/form");
    }

    @Order(3)
    @Test
    void theTlsListenerRelaysTcpWithProxyV2() {
        final Lab.Result r = client("sh", "-c", "(printf 'ping\\n'; sleep 1) | openssl s_client -quiet -verify_quiet -CAfile "
            + work.resolve("ca.pem") + " -servername " + HOST + " -connect 198.18.0.1:9443");
        assertThat(r.stdout()).as(r.toString()).containsPattern("backend=b1 proxy=198\\.18\\.0\\.2:\\d+->198\\.18\\.0\\.1:9443")
            .contains("ping");
    }

    @Order(4)
    @Test
    void h2loadOverHttp2() {
        final Lab.Result r = client("h2load", "-n", "600", "-c", "6", "-m", "4", "https://198.18.0.1:8443/h2");
        assertThat(r.stdout()).as(r.toString()).contains("Application protocol: h2")
            .contains("600 succeeded, 0 failed, 0 errored, 0 timeout");
    }

    /** A reduced testssl.sh run for CI (protocols and cipher categories); docs/tls.md keeps the full run. */
    @Order(5)
    @Test
    void testsslFindsNoWeakProtocolOrCipherCategory() {
        final Lab.Result r = lab.exec("client", Duration.ofSeconds(50), "testssl", "--quiet", "--color", "0", "--warnings",
            "off", "--ip", "one", "-p", "-s", "198.18.0.1:8443");
        assertThat(r.stdout()).as(r.toString()).contains("SSLv2      not offered (OK)", "SSLv3      not offered (OK)",
            "TLS 1      not offered", "TLS 1.1    not offered", "TLS 1.2    offered (OK)", "TLS 1.3    offered (OK)")
            .containsPattern("NULL ciphers \\(no encryption\\) +not offered \\(OK\\)")
            .containsPattern("Export ciphers .* +not offered \\(OK\\)")
            .containsPattern("LOW: 64 Bit .* +not offered \\(OK\\)")
            .containsPattern("Triple DES Ciphers / IDEA +not offered")
            .containsPattern("Obsolete CBC ciphers .* +not offered")
            .containsPattern("Strong encryption \\(AEAD ciphers\\) +offered \\(OK\\)");
    }

    @Order(6)
    @Test
    void rotatingTheCertificateUnderLoadFailsNoHandshake() throws Exception {
        assertThat(subject()).contains("O = first");
        // one request per connection: every request is a new handshake while the files change underneath
        final CompletableFuture<Lab.Result> load = CompletableFuture.supplyAsync(() -> client("sh", "-c",
            "for i in 1 2 3 4 5 6 7 8; do h2load -n 150 -c 50 -m 1 https://198.18.0.1:8443/r | grep -E '^requests:'; done"));
        Thread.sleep(1500);
        Files.copy(work.resolve("rotated.key"), work.resolve("server.key.new"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(work.resolve("rotated.pem"), work.resolve("server.pem.new"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(work.resolve("server.key.new"), work.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        Files.move(work.resolve("server.pem.new"), work.resolve("server.pem"), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        final Lab.Result r = load.get();
        final List<String> lines = r.stdout().lines().toList();
        assertThat(lines).as(r.toString()).hasSize(8)
            .allSatisfy(l -> assertThat(l).contains("150 succeeded, 0 failed, 0 errored, 0 timeout"));
        // the files are watched once a second: the load may finish before the reload, so wait for it (bounded)
        final long deadline = System.nanoTime() + 10_000_000_000L;
        String subject = subject();
        while (!subject.contains("O = second") && System.nanoTime() < deadline) {
            Thread.sleep(250);
            subject = subject();
        }
        assertThat(subject).contains("O = second");
    }

    @Order(7)
    @Test
    void sessionsAreResumedWithTls12AndTls13() {
        // TLS 1.2: session cache and tickets (-reconnect resumes five times); TLS 1.3: tickets, kept by -sess_out
        final Lab.Result r12 = client("sh", "-c", "openssl s_client -connect 198.18.0.1:8443 -servername " + HOST
            + " -tls1_2 -reconnect </dev/null 2>&1 | grep -E '^(New|Reused),'");
        assertThat(r12.stdout().lines().filter(l -> l.startsWith("Reused, TLSv1.2")).count()).as(r12.toString())
            .isGreaterThanOrEqualTo(5);
        for (final String version : List.of("-tls1_2", "-tls1_3")) {
            final Path session = work.resolve("session" + version + ".pem");
            final String connect = "openssl s_client -connect 198.18.0.1:8443 -servername " + HOST + " " + version;
            // BoringSSL sends TLS 1.3 tickets once the connection has carried data: one request, then wait for them
            final String request = "(printf 'HEAD / HTTP/1.1\\r\\nHost: " + HOST + "\\r\\n\\r\\n'; sleep 1) | ";
            final Lab.Result r = client("sh", "-c", request + connect + " -sess_out " + session + " 2>&1 | grep -E"
                + " '^(New|Reused),'; " + request + connect + " -sess_in " + session + " 2>&1 | grep -E '^(New|Reused),'");
            final String protocol = version.equals("-tls1_2") ? "TLSv1.2" : "TLSv1.3";
            assertThat(r.stdout().lines().toList()).as(r.toString()).hasSize(2)
                .satisfies(lines -> assertThat(lines.get(0)).startsWith("New, " + protocol))
                .satisfies(lines -> assertThat(lines.get(1)).startsWith("Reused, " + protocol));
        }
    }

    @Order(8)
    @Test
    void httpsBackendsWithACertificateOfTheCaAnswerAndGetTheServerNameAsSni() {
        final Lab.Result r = client("curl", "-sS", "-i", "-m", "10", "http://198.18.0.1:8081/re");
        assertThat(r.stdout()).as(r.toString()).startsWith("HTTP/1.1 200")
            .contains("backend=b1-tls path=/re sni=" + BACKEND_NAME);
    }

    @Order(9)
    @Test
    void httpsBackendsWithACertificateOfAnotherCaAreRefusedUnlessVerificationIsOff() {
        final Lab.Result refused = client("curl", "-sS", "-i", "-m", "10", "http://198.18.0.1:8082/re");
        assertThat(refused.stdout()).as(refused.toString()).startsWith("HTTP/1.1 502")
            .contains("x-fulcrum-error: backend-tls-verify-failed").doesNotContain("backend=");
        final Lab.Result unverified = client("curl", "-sS", "-i", "-m", "10", "http://198.18.0.1:8083/re");
        assertThat(unverified.stdout()).as(unverified.toString()).startsWith("HTTP/1.1 200")
            .contains("backend=b1-rogue path=/re sni=" + BACKEND_NAME);
    }

    private static String subject() {
        return client("sh", "-c", "openssl s_client -connect 198.18.0.1:8443 -servername " + HOST + " </dev/null 2>/dev/null"
            + " | grep '^subject='").stdout();
    }
}
