package io.fulcrum.tls;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * TLS termination of an HTTPS or TLS listener.
 *
 * @param certificates      certificate chains with their keys; the first is the default, the others are chosen by SNI
 *                          (exact name, then a single-label wildcard, then the default); a name may have an RSA and an
 *                          ECDSA certificate (ECDSA is served to clients that offer it)
 * @param policy            security policy (versions and suites, server preference)
 * @param clientAuth        mutual TLS
 * @param clientCa          CA bundle client certificates are verified against (required unless {@code OFF})
 * @param http2             offer {@code h2} through ALPN (HTTPS listeners)
 * @param clientCertHeaders pass the verified client certificate's subject and SHA-256 fingerprint to backends
 *                          ({@code X-Client-Verify}, {@code X-Client-DN}, {@code X-Client-Fingerprint}); headers of that
 *                          name sent by clients are always removed on such a listener
 */
public record TlsSettings(List<Certificate> certificates, Policy policy, ClientAuth clientAuth, Path clientCa, boolean http2,
                          boolean clientCertHeaders) {
    /** A PEM chain (leaf first) and its unencrypted key; an optional DER OCSP response next to it as {@code cert.ocsp}. */
    public record Certificate(Path cert, Path key) {
        /** Validates. */
        public Certificate {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
        }

        /** The OCSP staple file Fulcrum looks for: the certificate path with {@code .ocsp} appended. */
        public Path ocspFile() {
            return cert.resolveSibling(cert.getFileName() + ".ocsp");
        }
    }

    /** The security policies of PRODUCT.md. */
    public enum Policy {
        /** TLS 1.2 and 1.3, ECDHE AEAD suites (default). */
        TLS_1_2,
        /** TLS 1.2 and 1.3, AES-GCM ECDHE suites, AES-256 first. */
        TLS_1_2_STRICT,
        /** TLS 1.3 only. */
        TLS_1_3,
        /** TLS 1.0 to 1.3 for old clients. */
        COMPAT
    }

    /** Mutual TLS. */
    public enum ClientAuth {
        /** No client certificate is requested. */
        OFF,
        /** The handshake fails without a certificate from the CA. */
        REQUIRED,
        /** A certificate is requested; without one (or with an unverifiable one) the handshake still completes. */
        OPTIONAL
    }

    /** Validates and copies. */
    public TlsSettings {
        certificates = List.copyOf(certificates);
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(clientAuth, "clientAuth");
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("a TLS listener needs at least one certificate");
        }
        if (clientAuth != ClientAuth.OFF && clientCa == null) {
            throw new IllegalArgumentException("mutual TLS needs a CA bundle");
        }
    }

    /** One certificate, the default policy, no client authentication, HTTP/2 on. */
    public static TlsSettings of(Path cert, Path key) {
        return new TlsSettings(List.of(new Certificate(cert, key)), Policy.TLS_1_2, ClientAuth.OFF, null, true, true);
    }
}
