package io.fulcrum.common.config;

/** Named TLS security policies (versions and suites are fixed per policy). */
public enum TlsPolicy {
    /** TLS 1.2 and 1.3 with ECDHE AEAD suites (default). */
    TLS_1_2("tls-1-2"),
    /** TLS 1.2 and 1.3, AES-GCM ECDHE suites, AES-256 first. */
    TLS_1_2_STRICT("tls-1-2-strict"),
    /** TLS 1.3 only. */
    TLS_1_3("tls-1-3"),
    /** TLS 1.0 to 1.3 for old clients. */
    COMPAT("compat");

    private final String token;

    TlsPolicy(final String token) {
        this.token = token;
    }

    /** The word used in the configuration file. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
