package io.fulcrum.tls;

import java.nio.file.Path;

/**
 * TLS towards the backends of a group (re-encryption): the HTTP stage speaks HTTP/1.1 over TLS 1.2 or 1.3 to them.
 *
 * @param verify     verify the backend's certificate chain (against {@code ca}, or the JDK's trusted roots when
 *                   {@code ca} is null) and, when {@code serverName} is set, that the certificate is for that name
 * @param ca         PEM bundle of the CAs backend certificates must chain to, or null
 * @param serverName name sent as SNI and checked against the certificate, or null: no SNI and no name check
 */
public record BackendTlsSettings(boolean verify, Path ca, String serverName) {
    /** Verification against the JDK's trusted roots, no SNI. */
    public static final BackendTlsSettings DEFAULT = new BackendTlsSettings(true, null, null);

    /** Validates. */
    public BackendTlsSettings {
        if (!verify && ca != null) {
            throw new IllegalArgumentException("a CA bundle has no effect without verification");
        }
    }
}
