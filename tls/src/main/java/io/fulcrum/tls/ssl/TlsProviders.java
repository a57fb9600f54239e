package io.fulcrum.tls.ssl;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

import java.util.Locale;

/**
 * Which TLS implementation the stage uses: BoringSSL (netty-tcnative) when it loads, the JDK's SSLEngine otherwise.
 * The system property {@code fulcrum.tls.provider} or the environment variable {@code FULCRUM_TLS_PROVIDER} set to
 * {@code jdk} forces the JDK (to run and test the fallback on a machine where BoringSSL loads).
 */
public final class TlsProviders {
    /** System property that forces the provider ({@code jdk}). */
    public static final String PROPERTY = "fulcrum.tls.provider";
    /** Environment variable that forces the provider ({@code jdk}). */
    public static final String ENVIRONMENT = "FULCRUM_TLS_PROVIDER";

    private TlsProviders() {
    }

    /** Whether the JDK provider is forced by the property or the environment. */
    public static boolean jdkForced() {
        final String value = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
        return value != null && value.trim().toLowerCase(Locale.ROOT).equals("jdk");
    }

    /** The provider to build contexts with. */
    public static SslProvider provider() {
        return !jdkForced() && OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** A description for logs: the BoringSSL version, or the JDK and why BoringSSL is not used. */
    public static String describe(SslProvider provider) {
        if (provider != SslProvider.JDK) {
            return OpenSsl.versionString();
        }
        if (jdkForced()) {
            return "JDK SSLEngine (forced by " + PROPERTY + "/" + ENVIRONMENT + ")";
        }
        return "JDK SSLEngine" + (OpenSsl.unavailabilityCause() == null ? ""
                : " (BoringSSL unavailable: " + OpenSsl.unavailabilityCause() + ")");
    }
}
