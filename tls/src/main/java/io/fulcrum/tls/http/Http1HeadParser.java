package io.fulcrum.tls.http;

import io.fulcrum.tls.HttpToken;
import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Strict, incremental HTTP/1.1 head parser for requests (from clients) and responses (from backends), RFC 9112.
 *
 * <p>Why hand-rolled rather than Netty's {@code HttpObjectDecoder}: a proxy must decide message framing exactly once and
 * refuse every ambiguity (CL+TE, duplicate CL, unknown codings, obs-fold, bare CR/LF, whitespace before the colon),
 * and Netty's decoder tolerates several of these (it drops Content-Length when chunked is present, folds obs-fold
 * lines, accepts bare LF by default). Parsing in place also lets the proxy forward header lines verbatim without a
 * header object per field: the parser records offsets into the caller's buffer and classifies the names it
 * interprets; nothing is allocated for headers the proxy does not read.
 *
 * <p>Usage: call {@link #parse(ByteBuf)} with the buffer whose readerIndex is the first byte of the head, without
 * moving the readerIndex between calls, until it returns {@link #DONE} or {@link #ERROR}; then {@link #headLength()}
 * bytes form the head. {@link #reset()} before the next message. Offsets are relative to the readerIndex, so the
 * caller may replace the buffer by a larger copy between calls.
 */
final class Http1HeadParser {
    static final int NEED_MORE = 0;
    static final int DONE = 1;
    static final int ERROR = -1;

    static final int MAX_HEADERS = 512;
    private static final int MAX_LEADING_CRLF = 8;
    private static final int MAX_CONNECTION_TOKENS = 16;

    private static final boolean[] VALUE_CHAR = new boolean[256];
    private static final boolean[] TARGET_CHAR = new boolean[256];

    static {
        VALUE_CHAR['\t'] = true;
        for (int c = 0x20; c < 0x7F; c++) {
            VALUE_CHAR[c] = true;
            TARGET_CHAR[c] = c > 0x20;
        }
        for (int c = 0x80; c < 0x100; c++) {
            VALUE_CHAR[c] = true;
        }
        // RFC 9112 §3.2: a fragment is never sent; a target carrying one is malformed (and could split routing)
        TARGET_CHAR['#'] = false;
    }

    private final boolean request;
    private final int maxHeaderBytes;
    private final int maxStartLineBytes;

    // ---- incremental state
    private int lineStart;
    private int lineNo;
    private int leadingCrlf;

    // ---- result: start line
    int errorStatus;
    String errorReason;
    int headLength;
    int versionMinor;
    String method;
    int targetStart;
    int targetEnd;
    int status;
    int reasonStart;
    int reasonEnd;

    // ---- result: headers (offsets relative to the head start)
    int headerCount;
    int[] nameStart = new int[32];
    int[] nameEnd = new int[32];
    int[] valueStart = new int[32];
    int[] valueEnd = new int[32];
    byte[] ids = new byte[32];

    // ---- result: semantics
    long contentLength;
    boolean chunked;
    /** Response only: neither Content-Length nor chunked (no framing, or only identity) → body runs to the close. */
    boolean closeDelimited;
    boolean keepAlive;
    boolean upgradeWebSocket;
    boolean expectContinue;
    int hostIndex;
    final int[] connectionTokenStart = new int[MAX_CONNECTION_TOKENS];
    final int[] connectionTokenEnd = new int[MAX_CONNECTION_TOKENS];
    int connectionTokenCount;
    boolean connectionUpgrade;
    boolean connectionClose;
    boolean connectionKeepAlive;

    /**
     * A parser.
     *
     * @param request           true for request heads, false for response heads
     * @param maxHeaderBytes    largest head (→ 431)
     * @param maxStartLineBytes longest request-target (→ 414) or status line
     */
    Http1HeadParser(boolean request, int maxHeaderBytes, int maxStartLineBytes) {
        this.request = request;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxStartLineBytes = maxStartLineBytes;
        reset();
    }

    /** Prepares for the next message. */
    void reset() {
        lineStart = 0;
        lineNo = 0;
        leadingCrlf = 0;
        errorStatus = 0;
        errorReason = null;
        headLength = 0;
        versionMinor = 1;
        method = null;
        status = 0;
        headerCount = 0;
        contentLength = -1;
        chunked = false;
        closeDelimited = false;
        keepAlive = true;
        upgradeWebSocket = false;
        expectContinue = false;
        hostIndex = -1;
        connectionTokenCount = 0;
        connectionUpgrade = false;
        connectionClose = false;
        connectionKeepAlive = false;
    }

    /** Bytes of the head including the final empty line, valid after {@link #DONE}. */
    int headLength() {
        return headLength;
    }

    /** Whether some bytes of a message were consumed (not just leading empty lines). */
    boolean started() {
        return lineNo > 0 || lineStart > leadingCrlf * 2;
    }

    int parse(final ByteBuf buf) {
        final int base = buf.readerIndex();
        final int limit = buf.writerIndex();
        while (true) {
            final int from = base + lineStart;
            final int lf = from >= limit ? -1 : buf.forEachByte(from, limit - from, ByteProcessor.FIND_LF);
            if (lf < 0) {
                final int pending = limit - base;
                if (lineNo == 0 && limit - from > maxStartLineBytes + 32) {
                    return fail(request ? 414 : 502, request ? "uri-too-long" : "bad-status-line");
                }
                if (pending > maxHeaderBytes) {
                    return fail(request ? 431 : 502, request ? "header-too-large" : "response-header-too-large");
                }
                return NEED_MORE;
            }
            if (lf + 1 - base > maxHeaderBytes) {
                return fail(request ? 431 : 502, request ? "header-too-large" : "response-header-too-large");
            }
            if (lf == from || buf.getByte(lf - 1) != '\r') {
                return fail(request ? 400 : 502, "bare-lf");
            }
            final int end = lf - 1;
            final int next = lf + 1 - base;
            if (lineNo == 0) {
                if (end == from) {
                    // RFC 9112 §2.2: ignore at least one empty line before the request-line
                    if (++leadingCrlf > MAX_LEADING_CRLF) {
                        return fail(request ? 400 : 502, "leading-empty-lines");
                    }
                    lineStart = next;
                    continue;
                }
                final int r = request ? requestLine(buf, base, from, end) : statusLine(buf, from, end);
                if (r != DONE) {
                    return r;
                }
            } else if (end == from) {
                headLength = next;
                return finish(buf, base);
            } else {
                final int r = headerLine(buf, base, from, end);
                if (r != DONE) {
                    return r;
                }
            }
            lineNo++;
            lineStart = next;
        }
    }

    private int fail(int statusCode, String reason) {
        errorStatus = statusCode;
        errorReason = reason;
        return ERROR;
    }

    private int badRequest(String reason) {
        return fail(request ? 400 : 502, reason);
    }

    private int requestLine(ByteBuf buf, int base, int from, int end) {
        int i = from;
        while (i < end && HttpToken.isTchar(buf.getByte(i))) {
            i++;
        }
        if (i == from || i >= end || buf.getByte(i) != ' ') {
            return badRequest("bad-request-line");
        }
        method = Methods.intern(buf, from, i);
        final int ts = ++i;
        while (i < end) {
            final int b = buf.getByte(i) & 0xFF;
            if (!TARGET_CHAR[b]) {
                break;
            }
            i++;
        }
        if (i - ts > maxStartLineBytes) {
            return fail(414, "uri-too-long");
        }
        if (i == ts || i >= end || buf.getByte(i) != ' ') {
            return badRequest("bad-request-target");
        }
        targetStart = ts - base;
        targetEnd = i - base;
        i++;
        // HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive); "HTTP/2" and "HTTP/3" are how other majors are written
        final int vlen = end - i;
        if ((vlen != 8 && vlen != 6) || !matches(buf, i, "HTTP/") || !isDigit(buf.getByte(i + 5))) {
            return badRequest("bad-version");
        }
        final byte major = buf.getByte(i + 5);
        if (vlen == 8 && (buf.getByte(i + 6) != '.' || !isDigit(buf.getByte(i + 7)))) {
            return badRequest("bad-version");
        }
        if (major != '1') {
            return fail(505, "version-not-supported");
        }
        if (vlen == 6) {
            return badRequest("bad-version");
        }
        // RFC 9110 §2.5: a higher minor version is handled as the highest minor version we implement (1.1)
        versionMinor = buf.getByte(i + 7) == '0' ? 0 : 1;
        return DONE;
    }

    private int statusLine(ByteBuf buf, int from, int end) {
        if (end - from < 12 || !matches(buf, from, "HTTP/1.") || buf.getByte(from + 8) != ' ') {
            return badRequest("bad-status-line");
        }
        final byte minor = buf.getByte(from + 7);
        if (!isDigit(minor)) {
            return badRequest("bad-status-line");
        }
        // RFC 9110 §2.5: HTTP/1.2 and above are handled as HTTP/1.1
        versionMinor = minor == '0' ? 0 : 1;
        int code = 0;
        for (int i = from + 9; i < from + 12; i++) {
            final byte b = buf.getByte(i);
            if (!isDigit(b)) {
                return badRequest("bad-status-line");
            }
            code = code * 10 + (b - '0');
        }
        if (code < 100 || code > 599) {
            return badRequest("bad-status-code");
        }
        if (end > from + 12 && buf.getByte(from + 12) != ' ') {
            return badRequest("bad-status-line");
        }
        for (int i = from + 12; i < end; i++) {
            if (!VALUE_CHAR[buf.getByte(i) & 0xFF]) {
                return badRequest("bad-status-line");
            }
        }
        status = code;
        reasonStart = Math.min(end, from + 13) - buf.readerIndex();
        reasonEnd = end - buf.readerIndex();
        return DONE;
    }

    private int headerLine(ByteBuf buf, int base, int from, int end) {
        final byte first = buf.getByte(from);
        if (first == ' ' || first == '\t') {
            return badRequest("obs-fold");
        }
        int i = from;
        while (i < end && HttpToken.isTchar(buf.getByte(i))) {
            i++;
        }
        if (i == from || i >= end || buf.getByte(i) != ':') {
            return badRequest("bad-header-name");
        }
        final int ne = i++;
        while (i < end && isOws(buf.getByte(i))) {
            i++;
        }
        final int vs = i;
        int ve = vs;
        for (; i < end; i++) {
            final int b = buf.getByte(i) & 0xFF;
            if (!VALUE_CHAR[b]) {
                return badRequest("bad-header-value");
            }
            if (b != ' ' && b != '\t') {
                ve = i + 1;
            }
        }
        if (headerCount == MAX_HEADERS) {
            return fail(request ? 431 : 502, "too-many-headers");
        }
        if (headerCount == ids.length) {
            grow();
        }
        final int n = headerCount++;
        nameStart[n] = from - base;
        nameEnd[n] = ne - base;
        valueStart[n] = vs - base;
        valueEnd[n] = ve - base;
        ids[n] = HeaderName.classify(buf, from, ne);
        return DONE;
    }

    private void grow() {
        final int cap = ids.length * 2;
        nameStart = Arrays.copyOf(nameStart, cap);
        nameEnd = Arrays.copyOf(nameEnd, cap);
        valueStart = Arrays.copyOf(valueStart, cap);
        valueEnd = Arrays.copyOf(valueEnd, cap);
        ids = Arrays.copyOf(ids, cap);
    }

    /** Framing and connection semantics once the whole head is in. */
    private int finish(ByteBuf buf, int base) {
        boolean sawTe = false;
        boolean sawCl = false;
        int teChunkedCount = 0;
        boolean chunkedLast = false;
        boolean unknownCoding = false;
        boolean upgradeWs = false;
        for (int h = 0; h < headerCount; h++) {
            final int vs = base + valueStart[h];
            final int ve = base + valueEnd[h];
            switch (ids[h]) {
                case HeaderName.HOST -> {
                    if (hostIndex >= 0) {
                        return badRequest("duplicate-host");
                    }
                    hostIndex = h;
                }
                case HeaderName.CONTENT_LENGTH -> {
                    if (sawCl) {
                        return badRequest("duplicate-content-length");
                    }
                    sawCl = true;
                    final long cl = parseContentLength(buf, vs, ve);
                    if (cl < 0) {
                        return badRequest("bad-content-length");
                    }
                    contentLength = cl;
                }
                case HeaderName.TRANSFER_ENCODING -> {
                    sawTe = true;
                    // comma-separated codings; each must be chunked or identity, chunked once and last
                    int i = vs;
                    while (i <= ve) {
                        int te = i;
                        while (te < ve && buf.getByte(te) != ',') {
                            te++;
                        }
                        int ts = i;
                        int tend = te;
                        while (ts < tend && isOws(buf.getByte(ts))) {
                            ts++;
                        }
                        while (tend > ts && isOws(buf.getByte(tend - 1))) {
                            tend--;
                        }
                        if (tend > ts) {
                            if (tend - ts == 7 && HeaderName.equalsLower(buf, ts, CHUNKED)) {
                                teChunkedCount++;
                                chunkedLast = true;
                            } else if (tend - ts == 8 && HeaderName.equalsLower(buf, ts, IDENTITY)) {
                                chunkedLast = false;
                            } else {
                                unknownCoding = true;
                                chunkedLast = false;
                            }
                        } else {
                            return badRequest("bad-transfer-encoding");
                        }
                        i = te + 1;
                    }
                }
                case HeaderName.CONNECTION -> {
                    final int r = connectionTokens(buf, base, vs, ve);
                    if (r != DONE) {
                        return r;
                    }
                }
                case HeaderName.UPGRADE -> upgradeWs = containsTokenIgnoreCase(buf, vs, ve, WEBSOCKET);
                case HeaderName.EXPECT -> {
                    if (ve - vs == 12 && HeaderName.equalsLower(buf, vs, CONTINUE)) {
                        expectContinue = true;
                    } else if (request) {
                        return fail(417, "expectation-failed");
                    }
                }
                default -> {
                }
            }
        }
        keepAlive = versionMinor == 1 ? !connectionClose : connectionKeepAlive && !connectionClose;
        if (request) {
            if (sawTe) {
                if (versionMinor == 0) {
                    // RFC 9112 §6.1: TE in HTTP/1.0 means faulty framing
                    return badRequest("transfer-encoding-in-http10");
                }
                if (sawCl) {
                    return badRequest("content-length-and-transfer-encoding");
                }
                if (teChunkedCount > 0 && (teChunkedCount != 1 || !chunkedLast)) {
                    // RFC 9112 §6.3: chunked present but not final → the length cannot be determined: 400 and close
                    return badRequest("bad-transfer-encoding");
                }
                if (unknownCoding) {
                    return fail(501, "unsupported-transfer-encoding");
                }
                if (teChunkedCount == 0) {
                    // only "identity": no coding, and no Content-Length either → no body
                    contentLength = 0;
                } else {
                    chunked = true;
                }
            } else if (contentLength < 0) {
                contentLength = 0;
            }
            if (versionMinor == 1 && hostIndex < 0) {
                return badRequest("missing-host");
            }
            upgradeWebSocket = upgradeWs && connectionUpgrade && versionMinor == 1 && "GET".equals(method);
            if (!(contentLength > 0 || chunked)) {
                expectContinue = false;
            }
        } else {
            if (sawTe) {
                if (unknownCoding || (teChunkedCount > 0 && (teChunkedCount != 1 || !chunkedLast))) {
                    // a coding the proxy cannot undo: forwarding the bytes without their coding would corrupt them
                    return badRequest("unsupported-transfer-encoding");
                }
                if (teChunkedCount == 1) {
                    chunked = true;
                } else {
                    // only "identity": RFC 9112 §6.3 item 4, the body runs to the close
                    closeDelimited = true;
                }
                contentLength = -1;
                if (sawCl || versionMinor == 0) {
                    // RFC 9112 §6.1/§6.3: TE overrides CL, TE in HTTP/1.0 is faulty; either way the connection is not
                    // reused
                    keepAlive = false;
                }
            } else if (contentLength < 0) {
                closeDelimited = true;
            }
            upgradeWebSocket = status == 101 && upgradeWs;
        }
        return DONE;
    }

    private int connectionTokens(ByteBuf buf, int base, int vs, int ve) {
        int i = vs;
        while (i < ve) {
            int te = i;
            while (te < ve && buf.getByte(te) != ',') {
                te++;
            }
            int ts = i;
            int tend = te;
            while (ts < tend && isOws(buf.getByte(ts))) {
                ts++;
            }
            while (tend > ts && isOws(buf.getByte(tend - 1))) {
                tend--;
            }
            if (tend > ts) {
                final int len = tend - ts;
                if (len == 5 && HeaderName.equalsLower(buf, ts, CLOSE)) {
                    connectionClose = true;
                } else if (len == 10 && HeaderName.equalsLower(buf, ts, KEEP_ALIVE)) {
                    connectionKeepAlive = true;
                } else if (len == 7 && HeaderName.equalsLower(buf, ts, UPGRADE)) {
                    connectionUpgrade = true;
                } else {
                    for (int k = ts; k < tend; k++) {
                        if (!HttpToken.isTchar(buf.getByte(k))) {
                            return badRequest("bad-connection-header");
                        }
                    }
                    if (connectionTokenCount == MAX_CONNECTION_TOKENS) {
                        return badRequest("too-many-connection-options");
                    }
                    connectionTokenStart[connectionTokenCount] = ts - base;
                    connectionTokenEnd[connectionTokenCount] = tend - base;
                    connectionTokenCount++;
                }
            }
            i = te + 1;
        }
        return DONE;
    }

    /** Whether header {@code h} is named by a Connection option (a hop-by-hop header to drop). */
    boolean namedByConnection(ByteBuf buf, int h) {
        final int base = buf.readerIndex();
        final int len = nameEnd[h] - nameStart[h];
        for (int t = 0; t < connectionTokenCount; t++) {
            if (connectionTokenEnd[t] - connectionTokenStart[t] == len
                    && HeaderName.equalsIgnoreCase(buf, base + nameStart[h], base + connectionTokenStart[t], len)) {
                return true;
            }
        }
        return false;
    }

    /** Index of the first header with this id, or -1. */
    int indexOf(byte id) {
        for (int h = 0; h < headerCount; h++) {
            if (ids[h] == id) {
                return h;
            }
        }
        return -1;
    }

    /** Value of header {@code h} as a String (allocates; for logs and rules only). */
    String value(ByteBuf buf, int h) {
        return buf.toString(buf.readerIndex() + valueStart[h], valueEnd[h] - valueStart[h], StandardCharsets.ISO_8859_1);
    }

    /** Value of the first header named {@code lowerName} (lower case), or null (allocates; for access logs). */
    String value(ByteBuf buf, String lowerName) {
        final int base = buf.readerIndex();
        for (int h = 0; h < headerCount; h++) {
            if (nameEnd[h] - nameStart[h] != lowerName.length()) {
                continue;
            }
            boolean same = true;
            for (int i = 0; i < lowerName.length() && same; i++) {
                int c = buf.getByte(base + nameStart[h] + i);
                if (c >= 'A' && c <= 'Z') {
                    c += 32;
                }
                same = c == lowerName.charAt(i);
            }
            if (same) {
                return value(buf, h);
            }
        }
        return null;
    }

    /** Value of the first header with this id, or null. */
    String value(ByteBuf buf, byte id) {
        final int h = indexOf(id);
        return h < 0 ? null : value(buf, h);
    }

    /** Whether {@code token} (lower-case) is one of the comma-separated values of the range, ignoring case. */
    static boolean containsTokenIgnoreCase(ByteBuf buf, int vs, int ve, byte[] token) {
        int i = vs;
        while (i < ve) {
            int te = i;
            while (te < ve && buf.getByte(te) != ',') {
                te++;
            }
            int ts = i;
            int tend = te;
            while (ts < tend && isOws(buf.getByte(ts))) {
                ts++;
            }
            while (tend > ts && isOws(buf.getByte(tend - 1))) {
                tend--;
            }
            if (tend - ts == token.length && HeaderName.equalsLower(buf, ts, token)) {
                return true;
            }
            i = te + 1;
        }
        return false;
    }

    /** 1*DIGIT, at most 18 digits; -1 when invalid. */
    static long parseContentLength(ByteBuf buf, int vs, int ve) {
        if (ve == vs || ve - vs > 18) {
            return -1;
        }
        long v = 0;
        for (int i = vs; i < ve; i++) {
            final byte b = buf.getByte(i);
            if (!isDigit(b)) {
                return -1;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    private static boolean matches(ByteBuf buf, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (buf.getByte(at + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }

    private static final byte[] CHUNKED = HeaderName.ascii("chunked");
    private static final byte[] IDENTITY = HeaderName.ascii("identity");
    private static final byte[] CLOSE = HeaderName.ascii("close");
    private static final byte[] KEEP_ALIVE = HeaderName.ascii("keep-alive");
    private static final byte[] UPGRADE = HeaderName.ascii("upgrade");
    private static final byte[] WEBSOCKET = HeaderName.ascii("websocket");
    private static final byte[] CONTINUE = HeaderName.ascii("100-continue");
}
