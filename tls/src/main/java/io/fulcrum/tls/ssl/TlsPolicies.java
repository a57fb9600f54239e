package io.fulcrum.tls.ssl;

import io.fulcrum.tls.TlsSettings;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The exact protocol versions and cipher suites of each security policy (PRODUCT.md "TLS security policies"), in server
 * preference order, as IANA names (Netty maps them to OpenSSL names for BoringSSL). TLS 1.3 suites are
 * TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256 in every policy with TLS 1.3.
 * Suites the TLS library does not implement are left out when the context is built: BoringSSL lacks the six CBC
 * suites with SHA-256/SHA-384 MACs of {@code compat} (docs/tls.md).
 */
public final class TlsPolicies {
    /** TLS 1.3 suites, always offered with TLS 1.3. */
    public static final List<String> TLS13 = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    private static final List<String> TLS12_DEFAULT = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static final List<String> TLS12_STRICT = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

    private static final List<String> COMPAT_EXTRA = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_RSA_WITH_AES_256_CBC_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA");

    /** The ECDHE-ECDSA suites of the policies and their code points. */
    private static final Map<String, Integer> ECDSA_CODE_POINTS = Map.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02B,
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xC02C,
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9,
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xC023,
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", 0xC024,
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC009,
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xC00A);

    private TlsPolicies() {
    }

    private static List<String> concat(List<String> a, List<String> b) {
        final List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * Code points of the TLS 1.2 (and older) ECDHE-ECDSA suites a policy allows and the TLS library implements: a client
     * whose only ECDSA suites are ones the library lacks (compat's CBC suites with SHA-256/384 MACs under BoringSSL) must
     * get the RSA certificate, since with the ECDSA one the handshake would find no shared cipher.
     *
     * @param enabled the suites a context built for the policy offers (IANA names, as Netty's
     *                {@code SslContext.cipherSuites()} lists them)
     */
    public static int[] ecdsaSuites(TlsSettings.Policy policy, Collection<String> enabled) {
        return ciphers(policy).stream().filter(ECDSA_CODE_POINTS::containsKey).filter(enabled::contains)
                .mapToInt(ECDSA_CODE_POINTS::get).toArray();
    }

    /** Protocol versions, JSSE names. */
    public static String[] protocols(TlsSettings.Policy policy) {
        return switch (policy) {
            case TLS_1_2, TLS_1_2_STRICT -> new String[] {"TLSv1.2", "TLSv1.3"};
            case TLS_1_3 -> new String[] {"TLSv1.3"};
            case COMPAT -> new String[] {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
        };
    }

    /** Cipher suites in server preference order: the TLS 1.2 (and older) list, then the TLS 1.3 suites. */
    public static List<String> ciphers(TlsSettings.Policy policy) {
        final List<String> all = new ArrayList<>(switch (policy) {
            case TLS_1_2 -> TLS12_DEFAULT;
            case TLS_1_2_STRICT -> TLS12_STRICT;
            case TLS_1_3 -> List.<String>of();
            case COMPAT -> concat(TLS12_DEFAULT, COMPAT_EXTRA);
        });
        all.addAll(TLS13);
        return all;
    }
}
