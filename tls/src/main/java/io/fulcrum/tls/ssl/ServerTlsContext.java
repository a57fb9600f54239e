package io.fulcrum.tls.ssl;

import io.fulcrum.common.config.PemFiles;
import io.fulcrum.tls.TlsSettings;
import io.fulcrum.tls.metrics.TlsCounters;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.Mapping;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The server side TLS of one listener: one {@link SslContext} per certificate, an SNI index (a name may have an ECDSA
 * and an RSA certificate: the ClientHello decides, see {@link FulcrumSniHandler}), (exact name → single-label wildcard → the
 * default, i.e. the first certificate), session cache and rotating ticket keys (300 s), OCSP staples, and
 * certificate rotation: {@link #reload()} builds a new index from the files and publishes it for new handshakes
 * only; established connections keep the context they were made with.
 *
 * <p>BoringSSL (netty-tcnative) when it loads; the JDK's SSLEngine otherwise.
 */
public final class ServerTlsContext implements Mapping<String, SslContext> {
    /** Session cache and ticket lifetime (PRODUCT.md). */
    public static final int SESSION_TIMEOUT_S = 300;
    private static final int SESSION_CACHE_SIZE = 20_480;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The contexts serving one name: the ECDSA and the RSA certificate, either may be null. */
    record Pair(SslContext ecdsa, SslContext rsa) {
        SslContext choose(boolean clientTakesEcdsa) {
            if (ecdsa != null && (clientTakesEcdsa || rsa == null)) {
                return ecdsa;
            }
            return rsa;
        }
    }

    /** One published set of contexts. */
    record Index(Map<String, Pair> exact, Map<String, Pair> wildcard, Pair defaultPair,
                 Map<SslContext, byte[]> ocsp, List<SslContext> contexts, Map<Path, Long> stamps) {
    }

    private final String listenerId;
    private final TlsSettings settings;
    private final boolean httpAlpn;
    private final TlsCounters counters;
    private final SslProvider provider;
    private final String implementation;
    private final X509TrustManager clientVerifier;
    private final int[] ecdsaSuites;
    private volatile Index index;
    private OpenSslSessionTicketKey[] ticketKeys;
    private long retiredResumptions;

    /**
     * Loads the certificates.
     *
     * @param listenerId listener id (messages, counters)
     * @param settings   TLS settings
     * @param httpAlpn   true for HTTPS listeners: ALPN offers {@code h2} (when enabled) and {@code http/1.1}
     * @throws IllegalArgumentException with file, line and reason when a certificate or key cannot be used
     */
    public ServerTlsContext(String listenerId, TlsSettings settings, boolean httpAlpn) {
        this(listenerId, settings, httpAlpn, io.fulcrum.tls.metrics.CounterStore.heap());
    }

    /**
     * Loads the certificates; the handshake counters live in a store.
     *
     * @param listenerId listener id (messages, counters)
     * @param settings   TLS settings
     * @param httpAlpn   true for HTTPS listeners: ALPN offers {@code h2} (when enabled) and {@code http/1.1}
     * @param store      where the listener's TLS counters live
     * @throws IllegalArgumentException with file, line and reason when a certificate or key cannot be used
     */
    public ServerTlsContext(String listenerId, TlsSettings settings, boolean httpAlpn,
                            io.fulcrum.tls.metrics.CounterStore store) {
        this.listenerId = listenerId;
        this.settings = settings;
        this.httpAlpn = httpAlpn;
        this.counters = new TlsCounters(listenerId, store);
        this.provider = TlsProviders.provider();
        this.implementation = TlsProviders.describe(provider);
        this.clientVerifier = settings.clientAuth() == TlsSettings.ClientAuth.OFF ? null : trustManager(caCertificates());
        this.ticketKeys = new OpenSslSessionTicketKey[] {newTicketKey()};
        this.index = build();
        // the suites the library implements: every context of the listener is built with the same list
        this.ecdsaSuites = TlsPolicies.ecdsaSuites(settings.policy(), index.contexts().getFirst().cipherSuites());
    }

    /** TLS 1.2 ECDHE-ECDSA suites of the policy that the TLS library implements (code points). */
    int[] ecdsaSuites() {
        return ecdsaSuites;
    }

    /** Which TLS implementation is in use, e.g. {@code BoringSSL} or {@code JDK}. */
    public String implementation() {
        return implementation;
    }

    /** Counters of this listener's handshakes. */
    public TlsCounters counters() {
        return counters;
    }

    /** Settings. */
    public TlsSettings settings() {
        return settings;
    }

    /** Listener id. */
    public String listenerId() {
        return listenerId;
    }

    /** A new handler for an accepted connection: reads the SNI, then installs the matching SslHandler. */
    public FulcrumSniHandler newHandler() {
        return new FulcrumSniHandler(this);
    }

    /** SNI lookup for a client that takes ECDSA certificates (see {@link #map(String, boolean)}). */
    @Override
    public SslContext map(String hostname) {
        return map(hostname, true);
    }

    /**
     * SNI lookup: exact name, then the single-label wildcard, then the default certificate; of a name's ECDSA and RSA
     * certificates the ECDSA one when the client can take it.
     */
    public SslContext map(String hostname, boolean clientTakesEcdsa) {
        final Index i = index;
        if (hostname != null) {
            final String name = hostname.toLowerCase(Locale.ROOT);
            final Pair exact = i.exact.get(name);
            if (exact != null) {
                counters.increment(TlsCounters.Counter.SNI_EXACT);
                return exact.choose(clientTakesEcdsa);
            }
            final int dot = name.indexOf('.');
            if (dot > 0) {
                final Pair wildcard = i.wildcard.get(name.substring(dot + 1));
                if (wildcard != null) {
                    counters.increment(TlsCounters.Counter.SNI_WILDCARD);
                    return wildcard.choose(clientTakesEcdsa);
                }
            }
        }
        counters.increment(TlsCounters.Counter.SNI_DEFAULT);
        return i.defaultPair.choose(clientTakesEcdsa);
    }

    /** The DER OCSP response to staple for connections of {@code context}, or null. */
    byte[] ocspResponse(SslContext context) {
        return index.ocsp.get(context);
    }

    /** Verifies a client chain against the CA bundle (for {@code optional} mutual TLS, where the handshake does not). */
    public boolean verifiesClient(X509Certificate[] chain) {
        if (clientVerifier == null || chain == null || chain.length == 0) {
            return false;
        }
        try {
            clientVerifier.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
            return true;
        } catch (CertificateException e) {
            return false;
        }
    }

    /** Whether any certificate, key, CA or OCSP file changed since the published index was built. */
    public boolean filesChanged() {
        for (Map.Entry<Path, Long> e : index.stamps.entrySet()) {
            if (stamp(e.getKey()) != e.getValue()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads the files again and publishes the new certificates for new handshakes. On a bad file nothing changes and
     * the exception says why (file, line, reason).
     */
    public synchronized void reload() {
        try {
            final Index old = index;
            index = build();
            retiredResumptions += resumptions(old.contexts);
            counters.increment(TlsCounters.Counter.CERTIFICATE_RELOADS);
        } catch (RuntimeException e) {
            counters.increment(TlsCounters.Counter.CERTIFICATE_RELOAD_FAILURES);
            throw e;
        }
    }

    /** Starts a new ticket key; the previous one still decrypts tickets it issued until the next rotation. */
    public synchronized void rotateTicketKeys() {
        ticketKeys = new OpenSslSessionTicketKey[] {newTicketKey(), ticketKeys[0]};
        for (SslContext c : index.contexts) {
            applyTicketKeys(c);
        }
    }

    /** Resumed handshakes so far (session cache hits and ticket resumptions, as counted by BoringSSL). */
    public synchronized long resumptions() {
        return retiredResumptions + resumptions(index.contexts);
    }

    private static long resumptions(List<SslContext> contexts) {
        long n = 0;
        for (SslContext c : contexts) {
            if (c.sessionContext() instanceof OpenSslSessionContext s) {
                n += s.stats().hits() + s.stats().ticketKeyResume();
            }
        }
        return n;
    }

    private Index build() {
        final Map<Path, Long> stamps = new HashMap<>();
        final List<PemFiles.KeyPairChain> pairs = new ArrayList<>();
        for (TlsSettings.Certificate c : settings.certificates()) {
            try {
                pairs.add(PemFiles.load(c.cert(), c.key()));
            } catch (PemFiles.PemException e) {
                throw new IllegalArgumentException("listener " + listenerId + ": " + e.getMessage(), e);
            }
            stamps.put(c.cert(), stamp(c.cert()));
            stamps.put(c.key(), stamp(c.key()));
            stamps.put(c.ocspFile(), stamp(c.ocspFile()));
        }
        if (settings.clientCa() != null) {
            stamps.put(settings.clientCa(), stamp(settings.clientCa()));
        }
        // one context per certificate; names → the ECDSA and RSA certificate serving them (the first listed wins)
        final List<SslContext> contexts = new ArrayList<>();
        final Map<SslContext, byte[]> ocsp = new IdentityHashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            final SslContext context = newContext(pairs.get(i));
            contexts.add(context);
            final byte[] staple = readOcsp(settings.certificates().get(i).ocspFile());
            if (staple != null) {
                ocsp.put(context, staple);
            }
        }
        final Map<String, SslContext[]> byName = new LinkedHashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            final int slot = "EC".equals(pairs.get(i).keyType()) ? 0 : 1;
            for (String name : names(pairs.get(i).leaf())) {
                final SslContext[] both = byName.computeIfAbsent(name, n -> new SslContext[2]);
                if (both[slot] == null) {
                    both[slot] = contexts.get(i);
                }
            }
        }
        final Map<String, Pair> exact = new HashMap<>();
        final Map<String, Pair> wildcard = new HashMap<>();
        for (Map.Entry<String, SslContext[]> e : byName.entrySet()) {
            final Pair pair = new Pair(e.getValue()[0], e.getValue()[1]);
            if (e.getKey().startsWith("*.")) {
                wildcard.put(e.getKey().substring(2), pair);
            } else {
                exact.put(e.getKey(), pair);
            }
        }
        // the default: the first certificate, with the other key type of its first name when there is one
        final List<String> firstNames = names(pairs.getFirst().leaf());
        final SslContext[] first = firstNames.isEmpty() ? null : byName.get(firstNames.getFirst());
        final Pair defaultPair = first != null ? new Pair(first[0], first[1])
                : "EC".equals(pairs.getFirst().keyType()) ? new Pair(contexts.getFirst(), null)
                : new Pair(null, contexts.getFirst());
        return new Index(exact, wildcard, defaultPair, ocsp, List.copyOf(contexts), stamps);
    }

    private SslContext newContext(PemFiles.KeyPairChain pair) {
        try {
            final SslContextBuilder b = SslContextBuilder.forServer(pair.key(), pair.chain().toArray(new X509Certificate[0]));
            b.sslProvider(provider)
                    .protocols(TlsPolicies.protocols(settings.policy()))
                    .ciphers(TlsPolicies.ciphers(settings.policy()), SupportedCipherSuiteFilter.INSTANCE)
                    .sessionTimeout(SESSION_TIMEOUT_S)
                    .sessionCacheSize(SESSION_CACHE_SIZE);
            if (provider != SslProvider.JDK) {
                b.enableOcsp(settings.certificates().stream().anyMatch(c -> Files.isRegularFile(c.ocspFile())));
            }
            if (settings.clientAuth() != TlsSettings.ClientAuth.OFF) {
                b.clientAuth(settings.clientAuth() == TlsSettings.ClientAuth.REQUIRED ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
                final boolean optional = settings.clientAuth() == TlsSettings.ClientAuth.OPTIONAL;
                b.trustManager(optional ? new AcceptingTrustManager(clientVerifier)
                        : provider == SslProvider.JDK ? clientVerifier : new UnknownCaTrustManager(clientVerifier));
            }
            if (httpAlpn) {
                b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        settings.http2() ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                                : List.of(ApplicationProtocolNames.HTTP_1_1)));
            }
            final SslContext context = b.build();
            applyTicketKeys(context);
            return context;
        } catch (IOException e) {
            throw new IllegalArgumentException("listener " + listenerId + ": cannot build the TLS context: " + e.getMessage(),
                    e);
        }
    }

    private void applyTicketKeys(SslContext context) {
        if (context.sessionContext() instanceof OpenSslSessionContext s) {
            s.setTicketKeys(ticketKeys);
        }
    }

    private static OpenSslSessionTicketKey newTicketKey() {
        final byte[] name = new byte[OpenSslSessionTicketKey.NAME_SIZE];
        final byte[] hmac = new byte[OpenSslSessionTicketKey.HMAC_KEY_SIZE];
        final byte[] aes = new byte[OpenSslSessionTicketKey.AES_KEY_SIZE];
        RANDOM.nextBytes(name);
        RANDOM.nextBytes(hmac);
        RANDOM.nextBytes(aes);
        return new OpenSslSessionTicketKey(name, hmac, aes);
    }

    private List<X509Certificate> caCertificates() {
        try {
            return PemFiles.readCaBundle(settings.clientCa());
        } catch (PemFiles.PemException e) {
            throw new IllegalArgumentException("listener " + listenerId + ": mtls.ca: " + e.getMessage(), e);
        }
    }

    static X509TrustManager trustManager(Collection<X509Certificate> cas) {
        try {
            final KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (X509Certificate ca : cas) {
                ks.setCertificateEntry("ca" + i++, ca);
            }
            final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            for (var tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JDK has no X509TrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use the CA bundle: " + e.getMessage(), e);
        }
    }

    private static byte[] readOcsp(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static long stamp(Path file) {
        try {
            return Files.exists(file) ? Files.getLastModifiedTime(file).toMillis() * 31 + Files.size(file) : -1;
        } catch (IOException e) {
            return -2;
        }
    }

    /** DNS names of a certificate: its subjectAltName DNS entries, else its CN; lower case. */
    static List<String> names(X509Certificate cert) {
        final List<String> names = new ArrayList<>();
        try {
            final Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        names.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            // no usable SAN extension: fall back to the CN
        }
        if (names.isEmpty()) {
            for (String part : cert.getSubjectX500Principal().getName().split(",")) {
                if (part.startsWith("CN=")) {
                    names.add(part.substring(3).toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    /** A trust manager for client certificates: a server never checks server certificates. */
    private abstract static class ClientTrustManager implements X509TrustManager {
        final X509TrustManager delegate;

        ClientTrustManager(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public final void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("server certificates are not checked by a server");
        }

        @Override
        public final X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    /**
     * {@code required} mutual TLS with BoringSSL: a client certificate without a path to the CA bundle is refused with
     * the {@code unknown_ca} alert. Netty reports a verification failure it does not recognise as
     * {@code X509_V_ERR_UNSPECIFIED}, which BoringSSL sends as {@code internal_error}: the client would be told the server
     * failed. Other failures (expired, revoked) keep the exception Netty already maps to its alert.
     */
    private static final class UnknownCaTrustManager extends ClientTrustManager {
        /** OpenSSL's {@code X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY}, which BoringSSL sends as {@code unknown_ca}. */
        private static final int UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20;

        UnknownCaTrustManager(X509TrustManager delegate) {
            super(delegate);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                delegate.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                for (Throwable c = e; c != null; c = c.getCause()) {
                    if (c instanceof java.security.cert.CertPathBuilderException) {
                        throw new OpenSslCertificateException(e.getMessage(), e, UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
                    }
                }
                throw e;
            }
        }
    }

    /** {@code optional} mutual TLS: the handshake completes whatever the client sends; identities are checked later. */
    private static final class AcceptingTrustManager extends ClientTrustManager {
        AcceptingTrustManager(X509TrustManager delegate) {
            super(delegate);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // accepted here; ServerTlsContext.verifiesClient decides whether the identity is passed on
        }
    }
}
