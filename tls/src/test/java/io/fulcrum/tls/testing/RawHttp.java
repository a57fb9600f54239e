package io.fulcrum.tls.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Raw socket client for smuggling tests: sends exact bytes, reads what comes back until close or a quiet period. */
public final class RawHttp {
    private RawHttp() {
    }

    /** Sends {@code request} and returns everything received until the peer closes or {@code quietMs} pass. */
    public static String exchange(InetSocketAddress to, String request, int quietMs) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, 2000);
            s.setSoTimeout(quietMs);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return readAll(s.getInputStream(), 10_000);
        }
    }

    /** Reads until EOF or a read timeout, at most {@code maxMs} in total. */
    public static String readAll(InputStream in, int maxMs) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final long deadline = System.currentTimeMillis() + maxMs;
        final byte[] buf = new byte[8192];
        while (System.currentTimeMillis() < deadline) {
            final int r;
            try {
                r = in.read(buf);
            } catch (SocketTimeoutException e) {
                break;
            } catch (IOException e) {
                break;
            }
            if (r < 0) {
                break;
            }
            out.write(buf, 0, r);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** Status code of the first response in {@code raw}, or -1. */
    public static int status(String raw) {
        if (!raw.startsWith("HTTP/1.")) {
            return -1;
        }
        return Integer.parseInt(raw.substring(9, 12));
    }

    /** Number of responses (status lines) in {@code raw}. */
    public static int responses(String raw) {
        int n = 0;
        int i = 0;
        while ((i = raw.indexOf("HTTP/1.1 ", i)) >= 0) {
            n++;
            i += 9;
        }
        return n;
    }
}
