package io.fulcrum.tls.http;

import io.fulcrum.tls.HttpToken;
import io.netty.buffer.ByteBuf;

/**
 * Strict decoder of the chunked transfer coding (RFC 9112 §7.1), one event per call so the caller can forward data
 * as retained slices of its buffer without copying. Chunk sizes are 1-16 hex digits (no sign, no whitespace inside,
 * no overflow), every line ends in CRLF, data is followed by CRLF, extensions and trailer fields are bounded and
 * validated, and trailers are consumed (not forwarded).
 */
final class ChunkedDecoder {
    static final int NEED_MORE = 0;
    static final int DATA = 1;
    static final int END = 2;
    static final int ERROR = -1;

    private static final int MAX_EXTENSION_BYTES = 4096;
    private static final int MAX_TRAILER_BYTES = 16 * 1024;

    private static final int SIZE_FIRST = 0;
    private static final int SIZE = 1;
    private static final int EXT = 2;
    private static final int SIZE_LF = 3;
    private static final int BODY = 4;
    private static final int BODY_CR = 5;
    private static final int BODY_LF = 6;
    private static final int TRAILER_START = 7;
    private static final int TRAILER_NAME = 8;
    private static final int TRAILER_VALUE = 9;
    private static final int TRAILER_LF = 10;
    private static final int END_LF = 11;
    private static final int DONE = 12;
    private static final int SIZE_BWS = 13;

    private int state;
    private long chunkRemaining;
    private int digits;
    private int extensionBytes;
    private int trailerBytes;
    private boolean lastChunk;
    /** Length of the data at the buffer's readerIndex after {@link #DATA}; the caller must read it. */
    int dataLength;
    /** Why decoding failed. */
    String errorReason;

    void reset() {
        state = SIZE_FIRST;
        chunkRemaining = 0;
        digits = 0;
        extensionBytes = 0;
        trailerBytes = 0;
        lastChunk = false;
        dataLength = 0;
        errorReason = null;
    }

    ChunkedDecoder() {
        reset();
    }

    boolean isDone() {
        return state == DONE;
    }

    int next(final ByteBuf in) {
        while (in.isReadable()) {
            if (state == BODY) {
                final int n = (int) Math.min(chunkRemaining, in.readableBytes());
                chunkRemaining -= n;
                if (chunkRemaining == 0) {
                    state = BODY_CR;
                }
                dataLength = n;
                return DATA;
            }
            final byte b = in.readByte();
            switch (state) {
                case SIZE_FIRST, SIZE -> {
                    final int d = Character.digit(b, 16);
                    if (d >= 0 && b != '+' && b != '-') {
                        if (++digits > 16 || chunkRemaining > (Long.MAX_VALUE >>> 5)) {
                            return fail("chunk-size-overflow");
                        }
                        chunkRemaining = (chunkRemaining << 4) | d;
                        state = SIZE;
                    } else if (state == SIZE_FIRST) {
                        return fail("bad-chunk-size");
                    } else if (b == '\r') {
                        state = SIZE_LF;
                    } else if (b == ';') {
                        // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), validated loosely but bounded
                        state = EXT;
                        extensionBytes = 1;
                    } else if (b == ' ' || b == '\t') {
                        state = SIZE_BWS;
                        extensionBytes = 1;
                    } else {
                        return fail("bad-chunk-size");
                    }
                }
                case SIZE_BWS -> {
                    // only whitespace may sit between the size and ";" (or the end of the line): "5 x" is malformed
                    if (b == ';') {
                        state = EXT;
                    } else if (b == '\r') {
                        state = SIZE_LF;
                    } else if (b != ' ' && b != '\t') {
                        return fail("bad-chunk-size");
                    } else if (++extensionBytes > MAX_EXTENSION_BYTES) {
                        return fail("chunk-extension-too-long");
                    }
                }
                case EXT -> {
                    if (b == '\r') {
                        state = SIZE_LF;
                    } else if (++extensionBytes > MAX_EXTENSION_BYTES) {
                        return fail("chunk-extension-too-long");
                    } else if (b != '\t' && (b < 0x20 || b == 0x7F)) {
                        return fail("bad-chunk-extension");
                    }
                }
                case SIZE_LF -> {
                    if (b != '\n') {
                        return fail("bad-chunk-line");
                    }
                    digits = 0;
                    if (chunkRemaining == 0) {
                        lastChunk = true;
                        state = TRAILER_START;
                    } else {
                        state = BODY;
                    }
                }
                case BODY_CR -> {
                    if (b != '\r') {
                        return fail("bad-chunk-data-end");
                    }
                    state = BODY_LF;
                }
                case BODY_LF -> {
                    if (b != '\n') {
                        return fail("bad-chunk-data-end");
                    }
                    state = SIZE_FIRST;
                }
                case TRAILER_START -> {
                    if (b == '\r') {
                        state = END_LF;
                    } else if (HttpToken.isTchar(b)) {
                        state = TRAILER_NAME;
                        if (++trailerBytes > MAX_TRAILER_BYTES) {
                            return fail("trailer-too-large");
                        }
                    } else {
                        return fail("bad-trailer");
                    }
                }
                case TRAILER_NAME -> {
                    if (++trailerBytes > MAX_TRAILER_BYTES) {
                        return fail("trailer-too-large");
                    }
                    if (b == ':') {
                        state = TRAILER_VALUE;
                    } else if (!HttpToken.isTchar(b)) {
                        return fail("bad-trailer");
                    }
                }
                case TRAILER_VALUE -> {
                    if (++trailerBytes > MAX_TRAILER_BYTES) {
                        return fail("trailer-too-large");
                    }
                    if (b == '\r') {
                        state = TRAILER_LF;
                    } else if (b != '\t' && ((b & 0xFF) < 0x20 || b == 0x7F)) {
                        return fail("bad-trailer");
                    }
                }
                case TRAILER_LF -> {
                    if (b != '\n') {
                        return fail("bad-trailer");
                    }
                    state = TRAILER_START;
                }
                case END_LF -> {
                    if (b != '\n' || !lastChunk) {
                        return fail("bad-chunk-end");
                    }
                    state = DONE;
                    return END;
                }
                default -> {
                    return fail("data-after-last-chunk");
                }
            }
        }
        return NEED_MORE;
    }

    private int fail(String reason) {
        errorReason = reason;
        return ERROR;
    }
}
