package io.fulcrum.common.config;

/** Whether clients must present a certificate. */
public enum MtlsMode {
    /** No client certificate is requested. */
    OFF("off"),
    /** The handshake fails without a certificate from the configured CA. */
    REQUIRED("required"),
    /** The handshake completes; only verified identities are passed on. */
    OPTIONAL("optional");

    private final String token;

    MtlsMode(final String token) {
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
