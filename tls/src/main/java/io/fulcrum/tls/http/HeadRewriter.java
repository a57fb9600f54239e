package io.fulcrum.tls.http;

import io.fulcrum.tls.HeaderSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * Writes the head forwarded to a backend and the head returned to a client. Header lines the proxy keeps are copied
 * verbatim from the parsed buffer; hop-by-hop fields (RFC 9110 §7.6.1: Connection and the fields it names,
 * Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade except for WebSocket) are dropped and framing
 * is re-stated by the proxy. Nothing is allocated apart from the output buffer.
 */
public final class HeadRewriter {
    private static final byte[] CRLF = {'\r', '\n'};

    private HeadRewriter() {
    }

    /** Per-listener constant parts of the added request headers. */
    public static final class RequestTemplate {
        final HeaderSettings headers;
        final String proto;
        final boolean stripClientCertHeaders;

        /** Template for a listener with this scheme. */
        public RequestTemplate(HeaderSettings headers, String proto) {
            this(headers, proto, false);
        }

        /**
         * Template for a listener with this scheme.
         *
         * @param stripClientCertHeaders drop {@code X-Client-Verify}, {@code X-Client-DN} and {@code X-Client-Fingerprint}
         *                               sent by clients (a mutual-TLS listener sets its own)
         */
        public RequestTemplate(HeaderSettings headers, String proto, boolean stripClientCertHeaders) {
            this.headers = headers;
            this.proto = proto;
            this.stripClientCertHeaders = stripClientCertHeaders;
        }
    }

    static boolean hopByHop(byte id) {
        return switch (id) {
            case HeaderName.CONNECTION, HeaderName.KEEP_ALIVE, HeaderName.PROXY_CONNECTION, HeaderName.TE,
                 HeaderName.TRAILER, HeaderName.TRANSFER_ENCODING, HeaderName.UPGRADE -> true;
            default -> false;
        };
    }

    /**
     * Writes the request head for the backend.
     *
     * @param head         buffer whose readerIndex is the head start (as parsed)
     * @param p            the parser holding the request
     * @param out          destination
     * @param t            listener template
     * @param originOffset offset inside the request-target where the origin-form starts (0, or after the authority of
     *                     an absolute-form target)
     * @param hostOverride Host to send instead of the received one (absolute-form), or null
     * @param clientIp     client address text for X-Forwarded-For / X-Real-IP
     * @param localPort    port the client connected to, for X-Forwarded-Port
     */
    static void writeRequest(ByteBuf head, Http1HeadParser p, ByteBuf out, RequestTemplate t, int originOffset,
                             String hostOverride, String clientIp, String localPort) {
        writeRequest(head, p, out, t, originOffset, hostOverride, clientIp, localPort, null);
    }

    /**
     * As above, with extra header lines.
     *
     * @param extraHeaders complete header lines ({@code Name: value\r\n...}) added to the head, or null
     */
    static void writeRequest(ByteBuf head, Http1HeadParser p, ByteBuf out, RequestTemplate t, int originOffset,
                             String hostOverride, String clientIp, String localPort, String extraHeaders) {
        final int base = head.readerIndex();
        final HeaderSettings hs = t.headers;
        ByteBufUtil.writeAscii(out, p.method);
        out.writeByte(' ');
        final int ts = base + p.targetStart + originOffset;
        final int te = base + p.targetEnd;
        if (ts == te || head.getByte(ts) == '?') {
            // absolute-form without a path ("http://a?q"): the origin-form path is "/" (RFC 9112 §3.2.1)
            out.writeByte('/');
        }
        out.writeBytes(head, ts, te - ts);
        ByteBufUtil.writeAscii(out, " HTTP/1.1\r\n");
        int xffCount = 0;
        for (int h = 0; h < p.headerCount; h++) {
            final byte id = p.ids[h];
            if (hopByHop(id) || id == HeaderName.EXPECT) {
                continue;
            }
            switch (id) {
                case HeaderName.X_FORWARDED_FOR -> {
                    if (hs.xForwardedFor()) {
                        xffCount++;
                        continue;
                    }
                }
                case HeaderName.X_REAL_IP -> {
                    if (hs.xRealIp()) {
                        continue;
                    }
                }
                case HeaderName.X_FORWARDED_PROTO -> {
                    if (hs.xForwardedProto()) {
                        continue;
                    }
                }
                case HeaderName.X_FORWARDED_PORT -> {
                    if (hs.xForwardedPort()) {
                        continue;
                    }
                }
                case HeaderName.X_FORWARDED_HOST -> {
                    if (hs.xForwardedHost()) {
                        continue;
                    }
                }
                case HeaderName.HOST -> {
                    if (hostOverride != null) {
                        continue;
                    }
                }
                default -> {
                }
            }
            if (nominated(head, p, h, id)) {
                continue;
            }
            if (hs.nodeHeaderName() != null && isNamed(head, base, p, h, hs.nodeHeaderName())) {
                continue;
            }
            if (t.stripClientCertHeaders && (isNamed(head, base, p, h, "X-Client-Verify")
                    || isNamed(head, base, p, h, "X-Client-DN") || isNamed(head, base, p, h, "X-Client-Fingerprint"))) {
                continue;
            }
            out.writeBytes(head, base + p.nameStart[h], p.valueEnd[h] - p.nameStart[h]);
            out.writeBytes(CRLF);
        }
        if (hostOverride != null) {
            ByteBufUtil.writeAscii(out, "Host: ");
            ByteBufUtil.writeAscii(out, hostOverride);
            out.writeBytes(CRLF);
        }
        if (hs.xForwardedFor()) {
            ByteBufUtil.writeAscii(out, "X-Forwarded-For: ");
            if (xffCount > 0) {
                for (int h = 0; h < p.headerCount; h++) {
                    if (p.ids[h] == HeaderName.X_FORWARDED_FOR && p.valueEnd[h] > p.valueStart[h]) {
                        out.writeBytes(head, base + p.valueStart[h], p.valueEnd[h] - p.valueStart[h]);
                        ByteBufUtil.writeAscii(out, ", ");
                    }
                }
            }
            ByteBufUtil.writeAscii(out, clientIp);
            out.writeBytes(CRLF);
        }
        if (hs.xRealIp()) {
            ByteBufUtil.writeAscii(out, "X-Real-IP: ");
            ByteBufUtil.writeAscii(out, clientIp);
            out.writeBytes(CRLF);
        }
        if (hs.xForwardedProto()) {
            ByteBufUtil.writeAscii(out, "X-Forwarded-Proto: ");
            ByteBufUtil.writeAscii(out, t.proto);
            out.writeBytes(CRLF);
        }
        if (hs.xForwardedPort()) {
            ByteBufUtil.writeAscii(out, "X-Forwarded-Port: ");
            ByteBufUtil.writeAscii(out, localPort);
            out.writeBytes(CRLF);
        }
        if (hs.xForwardedHost()) {
            if (hostOverride != null) {
                ByteBufUtil.writeAscii(out, "X-Forwarded-Host: ");
                ByteBufUtil.writeAscii(out, hostOverride);
                out.writeBytes(CRLF);
            } else if (p.hostIndex >= 0) {
                ByteBufUtil.writeAscii(out, "X-Forwarded-Host: ");
                out.writeBytes(head, base + p.valueStart[p.hostIndex], p.valueEnd[p.hostIndex] - p.valueStart[p.hostIndex]);
                out.writeBytes(CRLF);
            }
        }
        if (hs.nodeHeaderName() != null) {
            ByteBufUtil.writeAscii(out, hs.nodeHeaderName());
            ByteBufUtil.writeAscii(out, ": ");
            ByteBufUtil.writeAscii(out, hs.nodeHeaderValue());
            out.writeBytes(CRLF);
        }
        if (extraHeaders != null) {
            ByteBufUtil.writeAscii(out, extraHeaders);
        }
        if (p.chunked) {
            ByteBufUtil.writeAscii(out, "Transfer-Encoding: chunked\r\n");
        }
        if (p.upgradeWebSocket) {
            ByteBufUtil.writeAscii(out, "Connection: upgrade\r\nUpgrade: websocket\r\n");
        }
        out.writeBytes(CRLF);
    }

    /**
     * Writes the response head for the client.
     *
     * @param head         buffer whose readerIndex is the head start
     * @param p            parser holding the response
     * @param out          destination
     * @param chunked      send the body with chunked framing (drops Content-Length)
     * @param dropLength   drop Content-Length (body re-framed or compressed)
     * @param connection   {@code close}, {@code keep-alive}, {@code upgrade} or null for no Connection header
     * @param setCookie    Set-Cookie value to add, or null
     * @param gzip         add {@code Content-Encoding: gzip} and {@code Vary: Accept-Encoding}
     */
    static void writeResponse(ByteBuf head, Http1HeadParser p, ByteBuf out, boolean chunked, boolean dropLength,
                              String connection, String setCookie, boolean gzip) {
        final int base = head.readerIndex();
        ByteBufUtil.writeAscii(out, "HTTP/1.1 ");
        out.writeByte('0' + p.status / 100).writeByte('0' + p.status / 10 % 10).writeByte('0' + p.status % 10);
        out.writeByte(' ');
        out.writeBytes(head, base + p.reasonStart, p.reasonEnd - p.reasonStart);
        out.writeBytes(CRLF);
        for (int h = 0; h < p.headerCount; h++) {
            final byte id = p.ids[h];
            if (hopByHop(id) || (id == HeaderName.CONTENT_LENGTH && (dropLength || chunked))) {
                continue;
            }
            if (nominated(head, p, h, id)) {
                continue;
            }
            out.writeBytes(head, base + p.nameStart[h], p.valueEnd[h] - p.nameStart[h]);
            out.writeBytes(CRLF);
        }
        if (setCookie != null) {
            ByteBufUtil.writeAscii(out, "Set-Cookie: ");
            ByteBufUtil.writeAscii(out, setCookie);
            out.writeBytes(CRLF);
        }
        if (gzip) {
            ByteBufUtil.writeAscii(out, "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
        }
        if (chunked) {
            ByteBufUtil.writeAscii(out, "Transfer-Encoding: chunked\r\n");
        }
        if (connection != null) {
            ByteBufUtil.writeAscii(out, "Connection: ");
            ByteBufUtil.writeAscii(out, connection);
            out.writeBytes(CRLF);
            if ("upgrade".equals(connection)) {
                ByteBufUtil.writeAscii(out, "Upgrade: websocket\r\n");
            }
        }
        out.writeBytes(CRLF);
    }

    /**
     * Whether field {@code h} is named by a Connection option and so dropped. Host and Content-Length are never dropped
     * that way: "Connection: content-length" would otherwise send the body without its length, and the backend would
     * read it as the next request (a smuggling vector); the message's own framing is not a connection option.
     */
    private static boolean nominated(ByteBuf head, Http1HeadParser p, int h, byte id) {
        return p.connectionTokenCount > 0 && id != HeaderName.CONTENT_LENGTH && id != HeaderName.HOST
                && p.namedByConnection(head, h);
    }

    private static boolean isNamed(ByteBuf head, int base, Http1HeadParser p, int h, String name) {
        final int len = p.nameEnd[h] - p.nameStart[h];
        if (len != name.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            int a = head.getByte(base + p.nameStart[h] + i);
            int b = name.charAt(i);
            if (a >= 'A' && a <= 'Z') {
                a += 32;
            }
            if (b >= 'A' && b <= 'Z') {
                b += 32;
            }
            if (a != b) {
                return false;
            }
        }
        return true;
    }
}
