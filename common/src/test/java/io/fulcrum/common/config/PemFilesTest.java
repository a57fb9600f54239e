package io.fulcrum.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PEM chains and keys made with the openssl CLI: good RSA/ECDSA pairs in PKCS#1, SEC1 and PKCS#8 load; a key that
 * does not match, an encrypted key and a chain out of order are refused by the loader with file, line, field and
 * reason; an expired certificate gives a warning.
 */
class PemFilesTest {
    static Path dir;

    @BeforeAll
    static void pki() throws Exception {
        dir = Files.createTempDirectory("fulcrum-pem");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "root.key");
        openssl("req", "-x509", "-new", "-key", "root.key", "-subj", "/CN=root", "-days", "2", "-out", "root.pem");
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key");
        openssl("req", "-new", "-key", "rsa.key", "-subj", "/CN=rsa.test", "-out", "rsa.csr");
        openssl("x509", "-req", "-in", "rsa.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial", "-days", "2",
            "-out", "rsa.leaf.pem");
        openssl("pkey", "-in", "rsa.key", "-traditional", "-out", "rsa.pkcs1.key");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec.sec1.key");
        openssl("req", "-x509", "-new", "-key", "ec.sec1.key", "-subj", "/CN=ec.test", "-days", "2", "-out", "ec.pem");
        openssl("pkey", "-in", "rsa.key", "-aes256", "-passout", "pass:secret", "-out", "rsa.encrypted.key");
        openssl("pkey", "-in", "rsa.key", "-traditional", "-aes256", "-passout", "pass:secret", "-out",
            "rsa.encrypted.pkcs1.key");
        Files.writeString(dir.resolve("chain.pem"), Files.readString(dir.resolve("rsa.leaf.pem"))
            + Files.readString(dir.resolve("root.pem")));
        Files.writeString(dir.resolve("reversed.pem"), Files.readString(dir.resolve("root.pem"))
            + Files.readString(dir.resolve("rsa.leaf.pem")));
        // an expired certificate: openssl ca is the CLI that takes explicit start and end dates
        Files.createDirectories(dir.resolve("db"));
        Files.writeString(dir.resolve("db/index"), "");
        Files.writeString(dir.resolve("db/serial"), "01\n");
        Files.writeString(dir.resolve("ca.cnf"), "[ca]\ndefault_ca = x\n[x]\ndatabase = db/index\nserial = db/serial\n"
            + "new_certs_dir = db\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n");
        openssl("req", "-new", "-key", "ec.sec1.key", "-subj", "/CN=old.test", "-out", "old.csr");
        openssl("ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", "ec.sec1.key", "-in", "old.csr",
            "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-out", "expired.pem");
    }

    static void openssl(String... args) throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(cmd + "\n" + out).isZero();
    }

    @Test
    void goodPairsLoadInEveryKeyFormat() throws Exception {
        assertThat(PemFiles.load(dir.resolve("chain.pem"), dir.resolve("rsa.key")).chain()).hasSize(2);
        assertThat(PemFiles.load(dir.resolve("chain.pem"), dir.resolve("rsa.pkcs1.key")).keyType()).isEqualTo("RSA");
        assertThat(PemFiles.load(dir.resolve("ec.pem"), dir.resolve("ec.sec1.key")).keyType()).isEqualTo("EC");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        assertThatThrownBy(() -> PemFiles.load(dir.resolve("chain.pem"), dir.resolve("ec.sec1.key")))
            .hasMessageContaining("ec.sec1.key").hasMessageContaining("does not match the certificate in");
    }

    @Test
    void encryptedKeysAreRefusedWithTheLine() {
        assertThatThrownBy(() -> PemFiles.readPrivateKey(dir.resolve("rsa.encrypted.key")))
            .hasMessageContaining("rsa.encrypted.key:1: the private key is encrypted");
        assertThatThrownBy(() -> PemFiles.readPrivateKey(dir.resolve("rsa.encrypted.pkcs1.key")))
            .hasMessageContaining("rsa.encrypted.pkcs1.key:1: the private key is encrypted");
    }

    @Test
    void aChainOutOfOrderIsRefusedAtTheLineOfTheWrongCertificate() throws Exception {
        final int line = (int) Files.readAllLines(dir.resolve("root.pem")).size() + 1;
        assertThatThrownBy(() -> PemFiles.readCertificates(dir.resolve("reversed.pem")))
            .hasMessageContaining("reversed.pem:" + line + ": certificate 2 (CN=rsa.test) did not issue certificate 1 (CN=root)");
    }

    @Test
    void anExpiredCertificateIsAWarning() throws Exception {
        openssl("req", "-x509", "-new", "-key", "ec.sec1.key", "-subj", "/CN=old.test", "-days", "1", "-out", "fresh.pem");
        final PemFiles.KeyPairChain expired = PemFiles.load(dir.resolve("expired.pem"), dir.resolve("ec.sec1.key"));
        assertThat(PemFiles.validityWarning(dir.resolve("expired.pem"), expired, Instant.now()))
            .hasValueSatisfying(w -> assertThat(w).contains("expired on 2020-02-01"));
        final PemFiles.KeyPairChain fresh = PemFiles.load(dir.resolve("fresh.pem"), dir.resolve("ec.sec1.key"));
        assertThat(PemFiles.validityWarning(dir.resolve("fresh.pem"), fresh, Instant.now())).isEmpty();
    }

    @Test
    void theLoaderNamesFileLineFieldAndReason() throws Exception {
        final String yaml = """
            node: {name: n}
            dataplane: {}
            listeners:
              - name: s
                protocol: https
                vip: 127.0.0.1
                port: 8443
                group: g
                certificates:
                  - {cert: %1$s/chain.pem, key: %1$s/ec.sec1.key}
                  - {cert: %1$s/reversed.pem, key: %1$s/rsa.key}
                  - {cert: %1$s/chain.pem, key: %1$s/rsa.encrypted.key}
            backend-groups:
              - {name: g, backends: [{address: 127.0.0.1, port: 80}]}
            """.formatted(dir);
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, "t.yaml")).isInstanceOfSatisfying(ConfigException.class, e ->
            assertThat(e.errors()).extracting(ConfigError::toString).satisfiesExactly(
                l -> assertThat(l).startsWith("t.yaml:10:").contains(": listeners[0].certificates[0].key: " + dir
                    + "/ec.sec1.key: the EC key does not match the certificate in " + dir + "/chain.pem"),
                l -> assertThat(l).startsWith("t.yaml:11:").contains(": listeners[0].certificates[1].cert: " + dir
                    + "/reversed.pem:11: certificate 2 (CN=rsa.test) did not issue certificate 1"),
                l -> assertThat(l).startsWith("t.yaml:12:").contains(": listeners[0].certificates[2].key: " + dir
                    + "/rsa.encrypted.key:1: the private key is encrypted")));
    }

    @Test
    void backendTlsIsCheckedWithFileLineAndField() throws Exception {
        final String yaml = """
            node: {name: n}
            dataplane: {}
            listeners:
              - {name: s, protocol: http, vip: 127.0.0.1, port: 8080, group: missing-ca}
              - {name: t, protocol: tcp, mode: proxy, vip: 127.0.0.1, port: 9000, group: ok}
              - {name: u, protocol: http, vip: 127.0.0.1, port: 8081, group: probe}
            backend-groups:
              - name: missing-ca
                backends: [{address: 127.0.0.1, port: 443}]
                protocol: https
                tls: {verify: true, ca: %1$s/nowhere.pem, server-name: "10.0.0.1"}
              - name: ok
                backends: [{address: 127.0.0.1, port: 443}]
                protocol: https
                tls: {ca: %1$s/root.pem, server-name: Backend.Example.org}
              - name: probe
                backends: [{address: 127.0.0.1, port: 443}]
                protocol: https
                tls: {verify: false, ca: %1$s/root.pem}
                health-check: {type: http}
              - name: plain
                backends: [{address: 127.0.0.1, port: 80}]
                tls: {verify: false}
            """.formatted(dir);
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, "t.yaml")).isInstanceOfSatisfying(ConfigException.class, e ->
            assertThat(e.errors()).extracting(ConfigError::toString).satisfiesExactly(
                l -> assertThat(l).startsWith("t.yaml:5:").contains("listeners[1].group: group 'ok' has protocol: https"),
                l -> assertThat(l).startsWith("t.yaml:11:")
                    .contains("backend-groups[0].tls.ca: " + dir + "/nowhere.pem: no such file"),
                l -> assertThat(l).startsWith("t.yaml:11:").contains("backend-groups[0].tls.server-name: must be a DNS name"),
                l -> assertThat(l).startsWith("t.yaml:19:")
                    .contains("backend-groups[2].tls.ca: has no effect with verify: false"),
                l -> assertThat(l).startsWith("t.yaml:20:").contains("backend-groups[2].health-check.type: http would probe"),
                l -> assertThat(l).startsWith("t.yaml:23:").contains("backend-groups[3].tls: applies to groups with protocol:"
                    + " https only")));
        final String good = """
            node: {name: n}
            dataplane: {}
            listeners: [{name: s, protocol: http, vip: 127.0.0.1, port: 8080, group: ok}]
            backend-groups:
              - name: ok
                backends: [{address: 127.0.0.1, port: 443}]
                protocol: https
                tls: {ca: %1$s/root.pem, server-name: Backend.Example.org}
            """.formatted(dir);
        final FulcrumConfig config = ConfigLoader.parse(good, "t.yaml");
        final BackendGroupConfig ok = config.backendGroup("ok").orElseThrow();
        assertThat(ok.protocol()).isEqualTo(BackendProtocol.HTTPS);
        assertThat(ok.tls()).isEqualTo(new BackendTlsConfig(true, java.util.Optional.of(dir.resolve("root.pem")),
            java.util.Optional.of("backend.example.org")));
    }
}
