package io.fulcrum.tls.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A raw HTTP/1.1 backend on 127.0.0.1 for conformance tests: it records every request exactly as received (head and
 * body bytes, framed by Content-Length or chunked) and answers each with the scripted bytes, verbatim, so a test can
 * make it misbehave (bad status line, CL and TE, no framing, closing mid-body...).
 */
public final class ScriptedBackend implements AutoCloseable {
    /** What to answer: {@code response} bytes as they are, then close the connection when {@code close}. */
    public record Script(String response, boolean close) {
    }

    private final ServerSocket server;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile Script script = new Script("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);

    /** Starts on an ephemeral port of 127.0.0.1. */
    public ScriptedBackend() throws IOException {
        server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("scripted-backend").start(this::acceptLoop);
    }

    /** Address to point a backend group at. */
    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    /** Sets the answer to every following request. */
    public void script(String response, boolean close) {
        script = new Script(response, close);
    }

    /** Requests received so far, each as the exact bytes (ISO-8859-1) of head and body. */
    public List<String> received() {
        return List.copyOf(received);
    }

    /** Forgets the recorded requests and closes the open connections (pooled ones included). */
    public void reset() {
        received.clear();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        sockets.clear();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                final Socket s = server.accept();
                sockets.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(10_000);
            final InputStream in = new BufferedInputStream(s.getInputStream());
            while (true) {
                final String request = readRequest(in);
                if (request == null) {
                    return;
                }
                received.add(request);
                final Script sc = script;
                s.getOutputStream().write(sc.response().getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                if (sc.close()) {
                    return;
                }
            }
        } catch (IOException e) {
            // the proxy closed or reset the connection
        }
    }

    /** One request (head and body), or null at EOF before its first byte. */
    private static String readRequest(InputStream in) throws IOException {
        final ByteArrayOutputStream raw = new ByteArrayOutputStream();
        final String head = readLine(in, raw) == null ? null : readHeadRest(in, raw);
        if (head == null) {
            return null;
        }
        final String lower = raw.toString(StandardCharsets.ISO_8859_1).toLowerCase();
        if (lower.contains("\r\ntransfer-encoding: chunked\r\n")) {
            while (true) {
                final String size = readLine(in, raw);
                if (size == null) {
                    return raw.toString(StandardCharsets.ISO_8859_1);
                }
                final int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    String t;
                    while ((t = readLine(in, raw)) != null && !t.isEmpty()) {
                        // trailer fields
                    }
                    return raw.toString(StandardCharsets.ISO_8859_1);
                }
                raw.write(in.readNBytes(n + 2));
            }
        }
        final int cl = lower.indexOf("\r\ncontent-length:");
        if (cl >= 0) {
            final int end = lower.indexOf("\r\n", cl + 2);
            final int n = Integer.parseInt(lower.substring(cl + 17, end).trim());
            raw.write(in.readNBytes(n));
        }
        return raw.toString(StandardCharsets.ISO_8859_1);
    }

    private static String readHeadRest(InputStream in, ByteArrayOutputStream raw) throws IOException {
        String line;
        while ((line = readLine(in, raw)) != null) {
            if (line.isEmpty()) {
                return "";
            }
        }
        return null;
    }

    /** Reads one CRLF-terminated line (recorded in {@code raw}), without the CRLF; null at EOF. */
    private static String readLine(InputStream in, ByteArrayOutputStream raw) throws IOException {
        final StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            raw.write(b);
            if (b == '\n') {
                final int len = line.length();
                return len > 0 && line.charAt(len - 1) == '\r' ? line.substring(0, len - 1) : line.toString();
            }
            line.append((char) b);
        }
        return null;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        reset();
    }
}
