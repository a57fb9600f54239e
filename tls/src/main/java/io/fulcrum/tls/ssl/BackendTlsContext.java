package io.fulcrum.tls.ssl;

import io.fulcrum.common.config.PemFiles;
import io.fulcrum.tls.BackendTlsSettings;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The client side TLS of one backend group (re-encryption): one {@link SslContext} (BoringSSL when it loads, the JDK
 * otherwise, as for listeners), TLS 1.2 and 1.3, ALPN {@code http/1.1}, client session cache. With verification on,
 * the backend's chain must lead to the group's CA bundle (or the JDK's trusted roots) and, when a server name is set,
 * the certificate must be for that name; the server name is also sent as SNI.
 */
public final class BackendTlsContext {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BackendTlsContext.class);
    private static final long LOG_INTERVAL_MS = 10_000;

    private final String groupId;
    private final BackendTlsSettings settings;
    private final SslContext context;
    private final AtomicLong lastLogMs = new AtomicLong(Long.MIN_VALUE / 2);

    /**
     * Builds the context.
     *
     * @param groupId  group id (messages)
     * @param settings TLS towards the group's backends
     * @throws IllegalArgumentException with the file and reason when the CA bundle cannot be used
     */
    public BackendTlsContext(String groupId, BackendTlsSettings settings) {
        this.groupId = groupId;
        this.settings = settings;
        final SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(TlsProviders.provider())
                .protocols("TLSv1.3", "TLSv1.2")
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1))
                // the name check is on only with a server name: backends are usually addressed by IP
                .endpointIdentificationAlgorithm(settings.verify() && settings.serverName() != null ? "HTTPS" : null);
        if (!settings.verify()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (settings.ca() != null) {
            try {
                b.trustManager(ServerTlsContext.trustManager(PemFiles.readCaBundle(settings.ca())));
            } catch (PemFiles.PemException e) {
                throw new IllegalArgumentException("group " + groupId + ": tls.ca: " + e.getMessage(), e);
            }
        } else {
            b.trustManager(systemRoots());
        }
        try {
            this.context = b.build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("group " + groupId + ": cannot build the backend TLS context: "
                    + e.getMessage(), e);
        }
    }

    /** Settings. */
    public BackendTlsSettings settings() {
        return settings;
    }

    /**
     * A handler for a new connection to {@code backend}: SNI is the server name (none without one), the handshake
     * times out after {@code handshakeTimeoutMs}.
     */
    public SslHandler newHandler(ByteBufAllocator alloc, InetSocketAddress backend, long handshakeTimeoutMs) {
        final String peerHost = settings.serverName() != null ? settings.serverName()
                : backend.getAddress().getHostAddress();
        final SslHandler h = context.newHandler(alloc, peerHost, backend.getPort());
        h.setHandshakeTimeoutMillis(handshakeTimeoutMs);
        return h;
    }

    /** Whether a handshake failure is the backend certificate failing verification (chain or name). */
    public static boolean isVerifyFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CertificateException) {
                return true;
            }
        }
        return false;
    }

    /** Logs a failed handshake with a backend, at most once per 10 s per group (failures are counted anyway). */
    public void logFailure(String backendId, Throwable cause) {
        final long now = System.currentTimeMillis();
        final long last = lastLogMs.get();
        if (now - last >= LOG_INTERVAL_MS && lastLogMs.compareAndSet(last, now)) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            LOG.warn("group {} backend {}: TLS handshake failed{}: {}", groupId, backendId,
                    isVerifyFailure(cause) ? " (certificate verification)" : "", root.getMessage());
        }
    }

    private static X509TrustManager systemRoots() {
        try {
            final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            for (var tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JDK has no X509TrustManager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's trusted roots cannot be read: " + e.getMessage(), e);
        }
    }
}
