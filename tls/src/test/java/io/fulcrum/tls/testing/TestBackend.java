package io.fulcrum.tls.testing;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.fulcrum.common.config.PemFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;

/**
 * An HTTP backend for tests on 127.0.0.1 (com.sun.net.httpserver). Every request is counted and recorded (method,
 * URI, headers, body length). Paths: {@code /sleep/<ms>} delays the response, {@code /download/<bytes>} streams that
 * many bytes, {@code /status/<code>} answers with the code; anything else answers 200 with
 * {@code backend=<name> method=<m> uri=<u> body=<n>} and echoes the request headers in the body.
 */
public final class TestBackend implements AutoCloseable {
    /** One request as the backend saw it. */
    public record Seen(String method, String uri, Map<String, List<String>> headers, long bodyBytes) {
        /** First value of a header (case-insensitive), or null. */
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().getFirst();
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    private final String name;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final List<String> serverNames = new CopyOnWriteArrayList<>();

    /** Starts a backend named {@code name} on an ephemeral port of 127.0.0.1. */
    public TestBackend(String name) throws IOException {
        this(name, HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128));
    }

    private TestBackend(String name, HttpServer server) {
        this.name = name;
        this.server = server;
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * An HTTPS backend (JDK TLS) serving the PEM chain {@code cert} with {@code key}; the SNI each request's connection
     * carried is recorded (see {@link #serverNames()}).
     */
    public static TestBackend https(String name, Path cert, Path key) throws IOException {
        final HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        try {
            final PemFiles.KeyPairChain pair = PemFiles.load(cert, key);
            final KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", pair.key(), new char[0], pair.chain().toArray(new X509Certificate[0]));
            final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            server.setHttpsConfigurator(new HttpsConfigurator(context));
        } catch (PemFiles.PemException | GeneralSecurityException e) {
            throw new IOException("cannot load " + cert + ": " + e.getMessage(), e);
        }
        return new TestBackend(name, server);
    }

    /** The SNI of each HTTPS request's connection in order ("" without SNI); empty for a cleartext backend. */
    public List<String> serverNames() {
        return List.copyOf(serverNames);
    }

    private void handle(HttpExchange ex) throws IOException {
        if (ex instanceof HttpsExchange https && https.getSSLSession() instanceof ExtendedSSLSession session) {
            final List<SNIServerName> names = session.getRequestedServerNames();
            serverNames.add(names.isEmpty() ? "" : ((SNIHostName) names.getFirst()).getAsciiName());
        }
        long n = 0;
        try (InputStream in = ex.getRequestBody()) {
            final byte[] buf = new byte[64 * 1024];
            int r;
            while ((r = in.read(buf)) > 0) {
                n += r;
            }
        }
        count.incrementAndGet();
        bodyBytes.addAndGet(n);
        final Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        ex.getRequestHeaders().forEach((k, v) -> h.put(k, List.copyOf(v)));
        final String uri = ex.getRequestURI().toString();
        seen.add(new Seen(ex.getRequestMethod(), uri, h, n));
        final String path = ex.getRequestURI().getPath();
        final Headers rh = ex.getResponseHeaders();
        try {
            if (path.startsWith("/sleep/")) {
                Thread.sleep(Long.parseLong(path.substring(7)));
            } else if (path.startsWith("/download/")) {
                final long size = Long.parseLong(path.substring(10));
                rh.add("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, size);
                try (OutputStream out = ex.getResponseBody()) {
                    final byte[] chunk = new byte[256 * 1024];
                    long left = size;
                    while (left > 0) {
                        final int w = (int) Math.min(chunk.length, left);
                        out.write(chunk, 0, w);
                        left -= w;
                    }
                }
                return;
            } else if (path.startsWith("/status/")) {
                final int code = Integer.parseInt(path.substring(8));
                ex.sendResponseHeaders(code, -1);
                ex.close();
                return;
            } else if (path.startsWith("/chunked/")) {
                rh.add("Content-Type", "text/plain");
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    final int parts = Integer.parseInt(path.substring(9));
                    for (int i = 0; i < parts; i++) {
                        out.write(("part " + i + " of the chunked body, padded to compress well............\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                }
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        final StringBuilder body = new StringBuilder();
        body.append("backend=").append(name).append(" method=").append(ex.getRequestMethod()).append(" uri=")
                .append(uri).append(" body=").append(n).append('\n');
        h.forEach((k, v) -> body.append(k.toLowerCase()).append(": ").append(String.join(",", v)).append('\n'));
        final byte[] b = body.toString().getBytes(StandardCharsets.UTF_8);
        rh.add("Content-Type", "text/plain");
        rh.add("X-Backend", name);
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** Backend address. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Requests seen. */
    public int count() {
        return count.get();
    }

    /** Body bytes received in total. */
    public long bodyBytes() {
        return bodyBytes.get();
    }

    /** Requests seen, in order. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** Backend name. */
    public String name() {
        return name;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
