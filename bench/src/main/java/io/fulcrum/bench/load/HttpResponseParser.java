package io.fulcrum.bench.load;

import java.nio.ByteBuffer;

/**
 * Incremental HTTP/1.1 response parser for the load generator: just enough to know where a response ends.
 * It reads the status line, the {@code Content-Length}, {@code Transfer-Encoding: chunked} and
 * {@code Connection: close} headers, then skips the body (by length, by chunks, or until the server closes).
 * Bytes may arrive in any split; state lives in primitive fields, so parsing allocates nothing.
 *
 * <p>One parser per connection; {@link #reset()} before each response.
 */
public final class HttpResponseParser {
    /** More bytes are needed. */
    public static final int NEED_MORE = 0;
    /** A whole response was read; {@link #status()} holds its code. */
    public static final int COMPLETE = 1;
    /** The bytes are not an HTTP/1.x response; the connection must be closed. */
    public static final int ERROR = -1;

    private static final int LINE_CAPACITY = 256;
    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private static final int STATUS_LINE = 0;
    private static final int HEADER_LINE = 1;
    private static final int BODY_LENGTH = 2;
    private static final int CHUNK_SIZE_LINE = 3;
    private static final int CHUNK_DATA = 4;
    private static final int CHUNK_DATA_END = 5;
    private static final int TRAILER_LINE = 6;
    private static final int BODY_UNTIL_CLOSE = 7;
    private static final int DONE = 8;

    private static final byte[] CONTENT_LENGTH = bytes("content-length:");
    private static final byte[] TRANSFER_ENCODING = bytes("transfer-encoding:");
    private static final byte[] CONNECTION = bytes("connection:");
    private static final byte[] CHUNKED = bytes("chunked");
    private static final byte[] CLOSE = bytes("close");

    private final byte[] line = new byte[LINE_CAPACITY];
    private int lineLength;
    private int headBytes;
    private int state;
    private int status;
    private long contentLength;
    private boolean chunked;
    private boolean connectionClose;
    private long remaining;
    private boolean headOnly;

    /** Creates a parser ready for the first response. */
    public HttpResponseParser() {
        reset();
    }

    private static byte[] bytes(final String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Prepares for the next response. */
    public void reset() {
        lineLength = 0;
        headBytes = 0;
        state = STATUS_LINE;
        status = 0;
        contentLength = -1;
        chunked = false;
        connectionClose = false;
        remaining = 0;
        headOnly = false;
    }

    /** The status code of the response being parsed (valid after the status line). */
    public int status() {
        return status;
    }

    /** True when the server said {@code Connection: close} (or the response is delimited by close). */
    public boolean connectionClose() {
        return connectionClose || state == BODY_UNTIL_CLOSE;
    }

    /** True when the body runs until the server closes the connection (no length, not chunked). */
    public boolean readsUntilClose() {
        return state == BODY_UNTIL_CLOSE;
    }

    /**
     * Consumes {@code buffer[offset, offset + length)}; returns {@link #NEED_MORE}, {@link #COMPLETE} or
     * {@link #ERROR}. Bytes after a complete response are ignored (the generator never pipelines).
     */
    public int feed(final ByteBuffer buffer, final int offset, final int length) {
        int i = offset;
        final int end = offset + length;
        while (i < end) {
            switch (state) {
                case STATUS_LINE, HEADER_LINE, CHUNK_SIZE_LINE, TRAILER_LINE -> {
                    final byte b = buffer.get(i++);
                    if (state == STATUS_LINE || state == HEADER_LINE) {
                        if (++headBytes > MAX_HEAD_BYTES) {
                            return ERROR;
                        }
                    }
                    if (b == '\n') {
                        final int r = endOfLine();
                        if (r != NEED_MORE) {
                            return r;
                        }
                    } else if (b != '\r' && lineLength < LINE_CAPACITY) {
                        line[lineLength++] = b;
                    }
                }
                case BODY_LENGTH -> {
                    final int n = (int) Math.min(remaining, end - i);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = DONE;
                        return COMPLETE;
                    }
                }
                case CHUNK_DATA -> {
                    final int n = (int) Math.min(remaining, end - i);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = CHUNK_DATA_END;
                        lineLength = 0;
                    }
                }
                case CHUNK_DATA_END -> {
                    final byte b = buffer.get(i++);
                    if (b == '\n') {
                        state = CHUNK_SIZE_LINE;
                        lineLength = 0;
                    } else if (b != '\r') {
                        return ERROR;
                    }
                }
                case BODY_UNTIL_CLOSE -> {
                    return NEED_MORE;
                }
                default -> {
                    return COMPLETE;
                }
            }
        }
        return state == DONE ? COMPLETE : NEED_MORE;
    }

    /** The server closed the connection: completes a close-delimited body, otherwise the response is cut short. */
    public int endOfInput() {
        if (state == BODY_UNTIL_CLOSE || state == DONE) {
            state = DONE;
            return COMPLETE;
        }
        return ERROR;
    }

    /** Marks the next response as the answer to a HEAD request (no body whatever the headers say). */
    public void expectHeadResponse() {
        headOnly = true;
    }

    private int endOfLine() {
        final int length = lineLength;
        lineLength = 0;
        switch (state) {
            case STATUS_LINE -> {
                if (length == 0) {
                    return NEED_MORE; // tolerate a stray CRLF before the status line
                }
                if (length < 12 || line[0] != 'H' || line[1] != 'T' || line[2] != 'T' || line[3] != 'P' || line[4] != '/'
                    || line[5] != '1' || line[6] != '.' || line[8] != ' ') {
                    return ERROR;
                }
                int code = 0;
                for (int k = 9; k < 12; k++) {
                    final int d = line[k] - '0';
                    if (d < 0 || d > 9) {
                        return ERROR;
                    }
                    code = code * 10 + d;
                }
                status = code;
                connectionClose = line[7] == '0'; // HTTP/1.0 closes unless told otherwise; we never ask
                state = HEADER_LINE;
                return NEED_MORE;
            }
            case HEADER_LINE -> {
                if (length == 0) {
                    return endOfHead();
                }
                if (startsWithIgnoreCase(line, length, CONTENT_LENGTH)) {
                    final long value = parseDecimal(line, CONTENT_LENGTH.length, length);
                    if (value < 0 || (contentLength >= 0 && contentLength != value)) {
                        return ERROR;
                    }
                    contentLength = value;
                } else if (startsWithIgnoreCase(line, length, TRANSFER_ENCODING)) {
                    chunked = containsIgnoreCase(line, TRANSFER_ENCODING.length, length, CHUNKED);
                } else if (startsWithIgnoreCase(line, length, CONNECTION)) {
                    connectionClose |= containsIgnoreCase(line, CONNECTION.length, length, CLOSE);
                }
                return NEED_MORE;
            }
            case CHUNK_SIZE_LINE -> {
                long size = 0;
                int digits = 0;
                for (int k = 0; k < length; k++) {
                    final int b = line[k];
                    final int d = hexValue(b);
                    if (d < 0) {
                        if (b == ';' || b == ' ' || b == '\t') {
                            break;
                        }
                        return ERROR;
                    }
                    if (++digits > 15) {
                        return ERROR;
                    }
                    size = (size << 4) | d;
                }
                if (digits == 0) {
                    return ERROR;
                }
                if (size == 0) {
                    state = TRAILER_LINE;
                } else {
                    remaining = size;
                    state = CHUNK_DATA;
                }
                return NEED_MORE;
            }
            case TRAILER_LINE -> {
                if (length == 0) {
                    state = DONE;
                    return COMPLETE;
                }
                return NEED_MORE;
            }
            default -> {
                return ERROR;
            }
        }
    }

    private int endOfHead() {
        if (headOnly || status == 204 || status == 304 || (status >= 100 && status < 200)) {
            if (status >= 100 && status < 200 && status != 101) {
                // an interim response: the real one follows
                final boolean head = headOnly;
                reset();
                headOnly = head;
                return NEED_MORE;
            }
            state = DONE;
            return COMPLETE;
        }
        if (chunked) {
            state = CHUNK_SIZE_LINE;
            return NEED_MORE;
        }
        if (contentLength >= 0) {
            if (contentLength == 0) {
                state = DONE;
                return COMPLETE;
            }
            remaining = contentLength;
            state = BODY_LENGTH;
            return NEED_MORE;
        }
        state = BODY_UNTIL_CLOSE;
        return NEED_MORE;
    }

    private static int hexValue(final int b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    private static long parseDecimal(final byte[] text, final int from, final int to) {
        long value = 0;
        int digits = 0;
        for (int k = from; k < to; k++) {
            final int b = text[k];
            if (b == ' ' || b == '\t') {
                if (digits > 0) {
                    for (int j = k; j < to; j++) {
                        if (text[j] != ' ' && text[j] != '\t') {
                            return -1;
                        }
                    }
                    break;
                }
                continue;
            }
            final int d = b - '0';
            if (d < 0 || d > 9 || ++digits > 18) {
                return -1;
            }
            value = value * 10 + d;
        }
        return digits == 0 ? -1 : value;
    }

    private static boolean startsWithIgnoreCase(final byte[] text, final int length, final byte[] lowerPrefix) {
        if (length < lowerPrefix.length) {
            return false;
        }
        for (int k = 0; k < lowerPrefix.length; k++) {
            if (lower(text[k]) != lowerPrefix[k]) {
                return false;
            }
        }
        return true;
    }

    private static boolean containsIgnoreCase(final byte[] text, final int from, final int to, final byte[] lowerWord) {
        outer:
        for (int k = from; k + lowerWord.length <= to; k++) {
            for (int j = 0; j < lowerWord.length; j++) {
                if (lower(text[k + j]) != lowerWord[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static int lower(final byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }
}
