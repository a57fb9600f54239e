package io.fulcrum.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS through the real binary in the namespace lab (a node without packet mode): an HTTPS listener (HTTP/1.1 and
 * HTTP/2 by ALPN, curl and h2load), the HTTP→HTTPS redirect listener, a TLS listener (TCP over TLS with PROXY v2 to the
 * backend), certificate rotation under h2load load with zero failed requests, session resumption (TLS 1.2 and 1.3),
 * and re-encryption to HTTPS backends (verified against a CA with SNI, refused for another CA, accepted unverified).
 * Then the TLS features of the listeners, each through its YAML keys: SNI (exact name, single-label wildcard, default
 * certificate; four certificates on one listener), an RSA and an ECDSA certificate for one name chosen by the client's
 * suites and signature algorithms, mutual TLS {@code required} and {@code optional} with the identity headers the
 * backend receives, the four {@code tls-policy} values probed suite by suite, and a WebSocket echo over TLS (WSS).
 * Certificates are made with openssl in a temporary directory.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class L7HttpsTest {
    private static final String HOST = "example.test";
    private static final String BACKEND_NAME = "backend.internal.test";
    private static final String VIP = "198.18.0.1";
    /** An https listener with the default policy and four certificates chosen by SNI. */
    private static final int SNI_PORT = 8450;
    private static final int REQUIRED_PORT = 8451;
    private static final int OPTIONAL_PORT = 8452;
    /** PRODUCT.md's tls-1-2 suites in its order. */
    private static final String AEAD = "ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 "
        + "ECDHE-RSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-RSA-CHACHA20-POLY1305";
    /** The CBC suites with a SHA-1 MAC that compat also offers to TLS 1.0 and 1.1 clients, in PRODUCT.md's order. */
    private static final String SHA1 = "ECDHE-ECDSA-AES128-SHA ECDHE-RSA-AES128-SHA ECDHE-ECDSA-AES256-SHA ECDHE-RSA-AES256-SHA";
    private static final String TLS13 = "TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256";

    /**
     * The security policies, each on its own listener with an ECDSA and an RSA certificate for a.test (tls-1-2, the
     * default, on the SNI listener, which does not name a policy), with PRODUCT.md's TLS 1.2 suites in server order and
     * the suites of TLS 1.0/1.1. compat lacks the six CBC suites with SHA-256/384 MACs that BoringSSL does not implement
     * (docs/tls.md).
     */
    private enum Policy {
        TLS_1_2(SNI_PORT, AEAD, ""),
        TLS_1_2_STRICT(8453, "ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-ECDSA-AES128-GCM-SHA256 "
            + "ECDHE-RSA-AES128-GCM-SHA256", ""),
        TLS_1_3(8454, "", ""),
        COMPAT(8455, AEAD + " " + SHA1 + " AES128-GCM-SHA256 AES256-GCM-SHA384 AES128-SHA AES256-SHA",
            SHA1 + " AES128-SHA AES256-SHA");

        final int port;
        final List<String> tls12;
        final List<String> older;

        Policy(final int port, final String tls12, final String older) {
            this.port = port;
            this.tls12 = tls12.isEmpty() ? List.of() : List.of(tls12.split(" "));
            this.older = older.isEmpty() ? List.of() : List.of(older.split(" "));
        }
    }

    private static Lab lab;
    private static Path work;
    private static FulcrumProcess fulcrum;
    private static final List<Process> backends = new ArrayList<>();

    @BeforeAll
    static void up() throws Exception {
        lab = Lab.up(2);
        work = Files.createTempDirectory("fulcrum-https");
        ca("ca", "/CN=Fulcrum System Test CA");
        server("server", "/O=first/CN=" + HOST, false, HOST);
        server("rotated", "/O=second/CN=" + HOST, false, HOST);
        backend("b1", "http", "b1", "80");
        backend("b2", "http", "b2", "80");
        backend("b1", "proxy2", "b1", "9000");
        // re-encryption: HTTPS backends with a certificate of the backend CA, and one of an unrelated CA
        ca("backend-ca", "/CN=Fulcrum Backend CA");
        ca("rogue-ca", "/CN=Rogue CA");
        certificate("backend", "/CN=" + BACKEND_NAME, "backend-ca", false, "subjectAltName=DNS:" + BACKEND_NAME);
        certificate("rogue", "/CN=" + BACKEND_NAME, "rogue-ca", false, "subjectAltName=DNS:" + BACKEND_NAME);
        // SNI and policies: a default certificate, one name with an ECDSA and an RSA certificate, a wildcard
        server("default", "/CN=default.test", false, "default.test");
        server("a-ec", "/O=ecdsa/CN=a.test", false, "a.test");
        server("a-rsa", "/O=rsa/CN=a.test", true, "a.test");
        server("wild", "/CN=w.test", false, "*.w.test");
        // mutual TLS: clients of the clients' CA, and one of the rogue CA (an issuer the listeners do not know)
        ca("clients-ca", "/CN=Fulcrum Clients CA");
        certificate("alice", "/O=clients/CN=alice", "clients-ca", false, "extendedKeyUsage=clientAuth");
        certificate("mallory", "/O=clients/CN=mallory", "rogue-ca", false, "extendedKeyUsage=clientAuth");
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
              - name: sni
                protocol: https
                vip: 198.18.0.1
                port: %4$d
                group: web
                certificates: [{cert: default.pem, key: default.key}, {cert: a-ec.pem, key: a-ec.key},
                               {cert: a-rsa.pem, key: a-rsa.key}, {cert: wild.pem, key: wild.key}]
              - {name: mtls-required, protocol: https, vip: 198.18.0.1, port: %5$d, group: web,
                 certificates: [{cert: default.pem, key: default.key}], mtls: {mode: required, ca: clients-ca.pem}}
              - {name: mtls-optional, protocol: https, vip: 198.18.0.1, port: %6$d, group: web,
                 certificates: [{cert: default.pem, key: default.key}], mtls: {mode: optional, ca: clients-ca.pem}}
              - {name: strict, protocol: https, vip: 198.18.0.1, port: %7$d, group: web, tls-policy: tls-1-2-strict,
                 certificates: [{cert: a-ec.pem, key: a-ec.key}, {cert: a-rsa.pem, key: a-rsa.key}]}
              - {name: only13, protocol: https, vip: 198.18.0.1, port: %8$d, group: web, tls-policy: tls-1-3,
                 certificates: [{cert: a-ec.pem, key: a-ec.key}, {cert: a-rsa.pem, key: a-rsa.key}]}
              - {name: compat, protocol: https, vip: 198.18.0.1, port: %9$d, group: web, tls-policy: compat,
                 certificates: [{cert: a-ec.pem, key: a-ec.key}, {cert: a-rsa.pem, key: a-rsa.key}]}
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
            """.formatted(runDir, BACKEND_NAME, "{type: https, interval: 1, timeout: 1, healthy-threshold: 1}", SNI_PORT,
            REQUIRED_PORT, OPTIONAL_PORT, Policy.TLS_1_2_STRICT.port, Policy.TLS_1_3.port, Policy.COMPAT.port));
        fulcrum = FulcrumProcess.start(lab.ns("lb"), config, runDir, Duration.ofSeconds(60));
    }

    private static void ca(final String name, final String subject) {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        openssl("req", "-x509", "-new", "-key", name + ".key", "-subj", subject, "-days", "2", "-out", name + ".pem");
    }

    /** A server certificate {@code name.pem} of the test CA for {@code dnsName} (subjectAltName). */
    private static void server(final String name, final String subject, final boolean rsa, final String dnsName) {
        certificate(name, subject, "ca", rsa, "subjectAltName=DNS:" + dnsName);
    }

    /** {@code name.pem} and {@code name.key} (RSA 2048 or EC P-256) issued by the CA {@code ca} with one extension line. */
    private static void certificate(final String name, final String subject, final String ca, final boolean rsa,
                                    final String extension) {
        if (rsa) {
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key");
        } else {
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        }
        openssl("req", "-new", "-key", name + ".key", "-subj", subject, "-out", name + ".csr");
        try {
            Files.writeString(work.resolve(name + ".ext"), extension + "\n");
        } catch (final java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial", "-days",
            "2", "-extfile", name + ".ext", "-out", name + ".pem");
    }

    private static Lab.Result openssl(final String... args) {
        final List<String> cmd = new ArrayList<>(List.of("sh", "-c", "cd " + work + " && openssl \"$@\"", "openssl"));
        cmd.addAll(List.of(args));
        final Lab.Result r = Lab.run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
        if (!r.ok()) {
            throw new IllegalStateException(r.toString());
        }
        return r;
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
        // -quiet implies -ign_eof: s_client stays until the relay closes, so it is stopped once the echo is in
        final Lab.Result r = client("sh", "-c", "(printf 'ping\\n'; sleep 1) | timeout 5 openssl s_client -quiet -verify_quiet"
            + " -CAfile " + work.resolve("ca.pem") + " -servername " + HOST + " -connect 198.18.0.1:9443");
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

    /** {@code openssl s_client} from the client namespace (bounded by {@code timeout}), its stdout and stderr together. */
    private static String sClient(final int port, final String... args) {
        return client("sh", "-c", "timeout 10 openssl s_client -connect " + VIP + ":" + port + " " + String.join(" ", args)
            + " </dev/null 2>&1").stdout();
    }

    @Order(10)
    @ParameterizedTest(name = "SNI {0} -> {1}")
    @CsvSource({"a.test, 'subject=O = ecdsa, CN = a.test'", "x.w.test, subject=CN = w.test",
        "y.x.w.test, subject=CN = default.test", "unknown.test, subject=CN = default.test", "-, subject=CN = default.test"})
    void sniPicksTheExactNameThenTheSingleLabelWildcardThenTheDefaultCertificate(final String name, final String subject) {
        final String out = sClient(SNI_PORT, "-CAfile", work.resolve("ca.pem").toString(),
            name.equals("-") ? "-noservername" : "-servername " + name);
        assertThat(out).as(out).contains(subject + "\n").contains("Verify return code: 0 (ok)");
    }

    @Order(11)
    @Test
    void curlVerifiesTheCertificateChosenForEachNameAndIsServed() {
        for (final String name : List.of("a.test", "x.w.test", "default.test")) {
            final Lab.Result r = curl("--resolve", name + ":" + SNI_PORT + ":" + VIP, "-i", "https://" + name + ":" + SNI_PORT
                + "/sni");
            assertThat(r.stdout()).as(r.toString()).startsWith("HTTP/2 200").contains("path=/sni",
                "header x-forwarded-proto: https", "header host: " + name + ":" + SNI_PORT);
        }
    }

    @Order(12)
    @Test
    void aNameWithAnRsaAndAnEcdsaCertificateServesTheOneTheClientsAlgorithmsAskFor() {
        final String rsa = "subject=O = rsa, CN = a.test";
        final String ecdsa = "subject=O = ecdsa, CN = a.test";
        assertThat(sClient(SNI_PORT, "-servername a.test -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256")).contains(rsa,
            "Server public key is 2048 bit", "Cipher is ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(sClient(SNI_PORT, "-servername a.test -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384")).contains(ecdsa,
            "Server public key is 256 bit", "Cipher is ECDHE-ECDSA-AES256-GCM-SHA384");
        assertThat(sClient(SNI_PORT, "-servername a.test -tls1_3 -sigalgs ecdsa_secp256r1_sha256")).contains(ecdsa,
            "Server public key is 256 bit", "TLSv1.3");
        assertThat(sClient(SNI_PORT, "-servername a.test -tls1_3 -sigalgs rsa_pss_rsae_sha256")).contains(rsa,
            "Server public key is 2048 bit", "TLSv1.3");
        // a client that accepts both gets ECDSA
        assertThat(sClient(SNI_PORT, "-servername a.test")).contains(ecdsa);
    }

    /**
     * What each policy accepts, found as testssl.sh does: offer every suite the client's OpenSSL knows for a version,
     * note the one the server picks, take it out of the offer and repeat until the handshake fails. The picks come in
     * the server's order, first the suites of the ECDSA certificate (chosen while the offer holds one of the policy's
     * ECDHE-ECDSA suites), then those of the RSA certificate.
     */
    @Order(13)
    @ParameterizedTest
    @EnumSource(Policy.class)
    void eachPolicyOffersExactlyItsVersionsAndSuitesInServerOrder(final Policy policy) {
        final String script = """
            probe() { # version, option, suites separated by ':'
              left=$3; i=0
              while [ -n "$left" ] && [ $i -lt 100 ]; do
                i=$((i + 1))
                offer=$left; [ "$2" = -cipher ] && offer="$left:@SECLEVEL=0"
                got=$(timeout 5 openssl s_client -connect %s:%d -servername a.test $1 $2 "$offer" </dev/null 2>/dev/null \\
                  | sed -n 's/^New, [^,]*, Cipher is //p')
                case "$got" in ''|'(NONE)') return ;; esac
                echo "$1 $got"
                left=$(printf '%%s' "$left" | tr ':' '\\n' | grep -vx "$got" | paste -sd: -)
              done
            }
            for v in -tls1_2 -tls1_1 -tls1; do
              probe $v -cipher "$(openssl ciphers -s $v 'ALL:COMPLEMENTOFALL:@SECLEVEL=0')"
            done
            probe -tls1_3 -ciphersuites "$(echo %s TLS_AES_128_CCM_SHA256 TLS_AES_128_CCM_8_SHA256 | tr ' ' :)"
            """.formatted(VIP, policy.port, TLS13);
        final Lab.Result r = lab.exec("client", Duration.ofSeconds(50), "sh", "-c", script);
        assertThat(r.timedOut()).as(r.toString()).isFalse();
        final Map<String, List<String>> picks = new LinkedHashMap<>();
        r.stdout().lines().forEach(l -> picks.computeIfAbsent(l.split(" ")[0], v -> new ArrayList<>()).add(l.split(" ")[1]));
        final List<String> serverOrder = new ArrayList<>(policy.tls12.stream().filter(c -> c.contains("-ECDSA-")).toList());
        serverOrder.addAll(policy.tls12.stream().filter(c -> !c.contains("-ECDSA-")).toList());
        assertThat(picks.getOrDefault("-tls1_2", List.of())).as("TLS 1.2 of " + policy + "\n" + r)
            .containsExactlyElementsOf(serverOrder);
        assertThat(picks.getOrDefault("-tls1_3", List.of())).as("TLS 1.3 of " + policy + "\n" + r)
            .containsExactlyInAnyOrder(TLS13.split(" "));
        for (final String old : List.of("-tls1_1", "-tls1")) {
            assertThat(picks.getOrDefault(old, List.of())).as(old + " of " + policy + "\n" + r)
                .containsExactlyInAnyOrderElementsOf(policy.older);
        }
    }

    private static String backendLogs() throws Exception {
        return Files.readString(work.resolve("b1-http.log")) + Files.readString(work.resolve("b2-http.log"));
    }

    private static String fingerprint(final String name) {
        final String out = openssl("x509", "-in", name + ".pem", "-noout", "-fingerprint", "-sha256").stdout().trim();
        return out.substring(out.indexOf('=') + 1).replace(":", "").toLowerCase(java.util.Locale.ROOT);
    }

    /** curl to default.test on {@code port}, with {@code client}'s certificate unless it is null. */
    private static Lab.Result mtlsCurl(final int port, final String path, final String clientName, final String... extra) {
        final List<String> args = new ArrayList<>(List.of("--resolve", "default.test:" + port + ":" + VIP, "-i"));
        if (clientName != null) {
            args.addAll(List.of("--cert", work.resolve(clientName + ".pem").toString(), "--key",
                work.resolve(clientName + ".key").toString()));
        }
        args.addAll(List.of(extra));
        args.add("https://default.test:" + port + path);
        return curl(args.toArray(String[]::new));
    }

    @Order(14)
    @Test
    void requiredMutualTlsServesClientsOfTheCaWithTheirIdentityAndRefusesOthersInTheHandshake() throws Exception {
        for (final String version : List.of("--http1.1", "--http2")) {
            final Lab.Result ok = mtlsCurl(REQUIRED_PORT, "/mtls-ok", "alice", version, "-H", "X-Client-DN: CN=forged");
            assertThat(ok.stdout()).as(ok.toString()).contains(" 200", "path=/mtls-ok", "header x-client-verify: SUCCESS",
                "header x-client-dn: CN=alice,O=clients", "header x-client-fingerprint: " + fingerprint("alice"))
                .doesNotContain("forged");
        }
        // TLS 1.3 and 1.2: without a certificate, and with one of an issuer outside the CA bundle, no response. (With TLS
        // 1.3 the client has finished its side when the server refuses, so curl may see the close before the alert.)
        for (final String version : List.of("1.3", "1.2")) {
            for (final String clientName : new String[] {null, "mallory"}) {
                final Lab.Result r = mtlsCurl(REQUIRED_PORT, clientName == null ? "/mtls-none" : "/mtls-stranger", clientName,
                    "--tlsv" + version, "--tls-max", version);
                assertThat(r.exitCode()).as(r.toString()).isNotZero();
                assertThat(r.stdout()).as(r.toString()).doesNotContain("HTTP/");
            }
        }
        // with TLS 1.2 the refusal is an alert inside the handshake: no certificate, and unknown_ca for another issuer
        assertThat(sClient(REQUIRED_PORT, "-tls1_2 -servername default.test")).contains("alert handshake failure");
        assertThat(sClient(REQUIRED_PORT, "-tls1_2 -servername default.test -cert " + work.resolve("mallory.pem") + " -key "
            + work.resolve("mallory.key"))).contains("alert unknown ca");
        Thread.sleep(200);
        assertThat(backendLogs()).contains("request GET /mtls-ok").doesNotContain("/mtls-none", "/mtls-stranger");
    }

    @Order(15)
    @Test
    void optionalMutualTlsServesEveryClientAndPassesOnlyAVerifiedIdentity() {
        final Lab.Result none = mtlsCurl(OPTIONAL_PORT, "/opt-none", null, "-H", "X-Client-DN: CN=forged", "-H",
            "X-Client-Verify: SUCCESS", "-H", "X-Client-Fingerprint: 00");
        assertThat(none.stdout()).as(none.toString()).startsWith("HTTP/2 200").contains("header x-client-verify: NONE")
            .doesNotContain("forged", "x-client-dn", "x-client-fingerprint", "SUCCESS");
        final Lab.Result stranger = mtlsCurl(OPTIONAL_PORT, "/opt-stranger", "mallory", "-H", "X-Client-DN: CN=forged");
        assertThat(stranger.stdout()).as(stranger.toString()).startsWith("HTTP/2 200")
            .contains("header x-client-verify: FAILED").doesNotContain("forged", "x-client-dn", "x-client-fingerprint");
        final Lab.Result alice = mtlsCurl(OPTIONAL_PORT, "/opt-alice", "alice", "--http1.1");
        assertThat(alice.stdout()).as(alice.toString()).startsWith("HTTP/1.1 200").contains("header x-client-verify: SUCCESS",
            "header x-client-dn: CN=alice,O=clients", "header x-client-fingerprint: " + fingerprint("alice"));
    }

    @Order(16)
    @Test
    void aWebSocketEchoesThroughTheHttpsListener() {
        final Lab.Result r = lab.exec("client", Duration.ofSeconds(20), "python3",
            Lab.root().resolve("system-tests/src/test/resources/client.py").toString(), "wss", VIP, "8443", "/ws/echo", HOST,
            work.resolve("ca.pem").toString());
        assertThat(r.stdout()).as(r.toString())
            .isEqualTo("tls TLSv1.3\nupgrade 101\ntext hello\nbinary 70000 ok\npong p\nclose 1000\n");
    }

    private static String subject() {
        return client("sh", "-c", "openssl s_client -connect 198.18.0.1:8443 -servername " + HOST + " </dev/null 2>/dev/null"
            + " | grep '^subject='").stdout();
    }
}
