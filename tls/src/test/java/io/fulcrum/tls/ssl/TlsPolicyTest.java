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
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Each security policy offers exactly its protocol versions and cipher suites (PRODUCT.md), probed one at a time
 * with openssl s_client, and prefers its own order over the client's. Listeners hold an ECDSA and an RSA certificate
 * for the same name so that both suite families can be negotiated.
 */
class TlsPolicyTest {
    /** Every TLS 1.2 suite of any policy, plus weak ones no policy may accept. */
    static final List<String> TLS12_PROBES = List.of("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
            "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
            "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA",
            "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA", "AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA256",
            "AES256-SHA256", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA", "ECDHE-RSA-DES-CBC3-SHA", "DHE-RSA-AES128-GCM-SHA256",
            "AES128-CCM", "ECDHE-ECDSA-NULL-SHA");
    static final List<String> TLS13_PROBES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256");

    static final Set<String> DEFAULT12 = Set.of("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
            "ECDHE-RSA-CHACHA20-POLY1305");
    static final Set<String> STRICT12 = Set.of("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384");
    /**
     * compat: the PRODUCT.md list as far as BoringSSL implements it: BoringSSL has none of the six CBC suites with
     * SHA-256/SHA-384 MACs (ECDHE-*-AES128-SHA256, ECDHE-*-AES256-SHA384, AES128-SHA256, AES256-SHA256), see docs/tls.md.
     */
    static final Set<String> COMPAT12 = union(DEFAULT12, Set.of("ECDHE-ECDSA-AES128-SHA",
            "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA", "AES128-GCM-SHA256",
            "AES256-GCM-SHA384", "AES128-SHA", "AES256-SHA"));
    static final Set<String> TLS13 = Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    static TestPki pki;
    static TestBackend backend;
    static HttpStage stage;
    static final Map<TlsSettings.Policy, Integer> ports = new EnumMap<>(TlsSettings.Policy.class);

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create();
        pki.server("ec", true, "p.test", "p.test");
        pki.server("rsa", false, "p.test", "p.test");
        backend = new TestBackend("b");
        final BackendGroupSettings group = new BackendGroupSettings("g", List.of(new Backend("b", backend.address(), 1)));
        final List<HttpListenerSettings> listeners = new ArrayList<>();
        for (TlsSettings.Policy p : TlsSettings.Policy.values()) {
            listeners.add(HttpListenerSettings.simple(p.name(), new InetSocketAddress("127.0.0.1", 0), group)
                    .withTls(new TlsSettings(List.of(cert("ec"), cert("rsa")), p, TlsSettings.ClientAuth.OFF, null, true,
                            false)));
        }
        stage = HttpStage.start(listeners, List.of(), HttpStageOptions.defaults().withThreads(2));
        for (TlsSettings.Policy p : TlsSettings.Policy.values()) {
            ports.put(p, stage.boundAddress(p.name()).getPort());
        }
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

    static String handshake(TlsSettings.Policy p, String... args) throws Exception {
        final List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + ports.get(p),
                "-servername", "p.test"));
        cmd.addAll(List.of(args));
        final String out = TestPki.run(null, 15, "", cmd).out();
        final int at = out.indexOf(", Cipher is ");
        if (at < 0) {
            return null;
        }
        final String cipher = out.substring(at + 12, out.indexOf('\n', at)).trim();
        return "(NONE)".equals(cipher) ? null : cipher;
    }

    static Set<String> accepted12(TlsSettings.Policy p, String version) throws Exception {
        final Set<String> ok = new TreeSet<>();
        for (String c : TLS12_PROBES) {
            if (c.equals(handshake(p, version, "-cipher", c + "@SECLEVEL=0"))) {
                ok.add(c);
            }
        }
        return ok;
    }

    @ParameterizedTest
    @EnumSource(TlsSettings.Policy.class)
    void eachPolicyOffersExactlyItsVersionsAndSuites(TlsSettings.Policy p) throws Exception {
        final Set<String> expected12 = switch (p) {
            case TLS_1_2 -> DEFAULT12;
            case TLS_1_2_STRICT -> STRICT12;
            case TLS_1_3 -> Set.of();
            case COMPAT -> COMPAT12;
        };
        assertThat(accepted12(p, "-tls1_2")).as("TLS 1.2 suites of " + p).containsExactlyInAnyOrderElementsOf(expected12);
        final Set<String> ok13 = new TreeSet<>();
        for (String c : TLS13_PROBES) {
            if (c.equals(handshake(p, "-tls1_3", "-ciphersuites", c))) {
                ok13.add(c);
            }
        }
        assertThat(ok13).as("TLS 1.3 suites of " + p).containsExactlyInAnyOrderElementsOf(TLS13);
        // TLS 1.0 and 1.1: compat only, and there only the ECDHE-*-SHA and AES*-SHA suites
        final Set<String> expectedOld = p == TlsSettings.Policy.COMPAT ? Set.of("ECDHE-ECDSA-AES128-SHA",
                "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA", "AES128-SHA", "AES256-SHA")
                : Set.of();
        assertThat(accepted12(p, "-tls1_1")).as("TLS 1.1 suites of " + p).containsExactlyInAnyOrderElementsOf(expectedOld);
        assertThat(accepted12(p, "-tls1")).as("TLS 1.0 suites of " + p).containsExactlyInAnyOrderElementsOf(expectedOld);
    }

    @Test
    void theServerOrderWins() throws Exception {
        final String clientOrder = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256";
        assertThat(handshake(TlsSettings.Policy.TLS_1_2, "-tls1_2", "-cipher", clientOrder))
                .isEqualTo("ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(handshake(TlsSettings.Policy.TLS_1_2_STRICT, "-tls1_2", "-cipher", clientOrder))
                .isEqualTo("ECDHE-RSA-AES256-GCM-SHA384");
        final TlsCounters c = stage.tls().get("TLS_1_2").counters();
        assertThat(c.get(TlsCounters.Counter.HANDSHAKES)).isPositive();
    }

    /**
     * compat lists ECDHE-ECDSA-AES128-SHA256 and ECDHE-ECDSA-AES256-SHA384, which BoringSSL lacks: a client offering only
     * those of the ECDSA suites must get the RSA certificate (with the ECDSA one no suite would be shared).
     */
    @Test
    void aClientWhoseOnlyEcdsaSuitesTheLibraryLacksGetsTheRsaCertificate() throws Exception {
        assertThat(stage.tls().get("COMPAT").ecdsaSuites()).containsExactly(0xC02B, 0xC02C, 0xCCA9, 0xC009, 0xC00A);
        assertThat(stage.tls().get("TLS_1_2").ecdsaSuites()).containsExactly(0xC02B, 0xC02C, 0xCCA9);
        assertThat(handshake(TlsSettings.Policy.COMPAT, "-tls1_2", "-cipher",
                "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES128-GCM-SHA256"))
                .isEqualTo("ECDHE-RSA-AES128-GCM-SHA256");
    }

    static Set<String> union(Set<String> a, Set<String> b) {
        final Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }
}
