package io.fulcrum.tls.http;

import io.netty.buffer.ByteBuf;

/**
 * Ids of the header fields the proxy interprets, and a case-insensitive classifier that reads the name straight from
 * the buffer (no String per header).
 */
final class HeaderName {
    static final byte OTHER = 0;
    static final byte HOST = 1;
    static final byte CONTENT_LENGTH = 2;
    static final byte TRANSFER_ENCODING = 3;
    static final byte CONNECTION = 4;
    static final byte KEEP_ALIVE = 5;
    static final byte PROXY_CONNECTION = 6;
    static final byte TE = 7;
    static final byte TRAILER = 8;
    static final byte UPGRADE = 9;
    static final byte EXPECT = 10;
    static final byte X_FORWARDED_FOR = 11;
    static final byte X_REAL_IP = 12;
    static final byte X_FORWARDED_PROTO = 13;
    static final byte X_FORWARDED_PORT = 14;
    static final byte X_FORWARDED_HOST = 15;
    static final byte COOKIE = 16;
    static final byte USER_AGENT = 17;
    static final byte REFERER = 18;
    static final byte CONTENT_TYPE = 19;
    static final byte CONTENT_ENCODING = 20;
    static final byte ACCEPT_ENCODING = 21;
    static final byte SET_COOKIE = 22;

    private static final byte[][] NAMES = new byte[23][];
    /** Candidate ids by name length; names are short so a length switch plus one compare classifies most headers. */
    private static final byte[][] BY_LENGTH = new byte[32][];

    static {
        NAMES[HOST] = ascii("host");
        NAMES[CONTENT_LENGTH] = ascii("content-length");
        NAMES[TRANSFER_ENCODING] = ascii("transfer-encoding");
        NAMES[CONNECTION] = ascii("connection");
        NAMES[KEEP_ALIVE] = ascii("keep-alive");
        NAMES[PROXY_CONNECTION] = ascii("proxy-connection");
        NAMES[TE] = ascii("te");
        NAMES[TRAILER] = ascii("trailer");
        NAMES[UPGRADE] = ascii("upgrade");
        NAMES[EXPECT] = ascii("expect");
        NAMES[X_FORWARDED_FOR] = ascii("x-forwarded-for");
        NAMES[X_REAL_IP] = ascii("x-real-ip");
        NAMES[X_FORWARDED_PROTO] = ascii("x-forwarded-proto");
        NAMES[X_FORWARDED_PORT] = ascii("x-forwarded-port");
        NAMES[X_FORWARDED_HOST] = ascii("x-forwarded-host");
        NAMES[COOKIE] = ascii("cookie");
        NAMES[USER_AGENT] = ascii("user-agent");
        NAMES[REFERER] = ascii("referer");
        NAMES[CONTENT_TYPE] = ascii("content-type");
        NAMES[CONTENT_ENCODING] = ascii("content-encoding");
        NAMES[ACCEPT_ENCODING] = ascii("accept-encoding");
        NAMES[SET_COOKIE] = ascii("set-cookie");
        for (byte id = 1; id < NAMES.length; id++) {
            final int len = NAMES[id].length;
            final byte[] old = BY_LENGTH[len] == null ? new byte[0] : BY_LENGTH[len];
            final byte[] grown = java.util.Arrays.copyOf(old, old.length + 1);
            grown[old.length] = id;
            BY_LENGTH[len] = grown;
        }
    }

    private HeaderName() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Classifies the name at {@code [start, end)} of {@code buf} (absolute indexes). */
    static byte classify(ByteBuf buf, int start, int end) {
        final int len = end - start;
        if (len >= BY_LENGTH.length) {
            return OTHER;
        }
        final byte[] candidates = BY_LENGTH[len];
        if (candidates == null) {
            return OTHER;
        }
        for (byte id : candidates) {
            if (equalsLower(buf, start, NAMES[id])) {
                return id;
            }
        }
        return OTHER;
    }

    /** Whether the bytes at {@code start} equal the lower-case ASCII {@code lower}, ignoring case. */
    static boolean equalsLower(ByteBuf buf, int start, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            int b = buf.getByte(start + i);
            if (b >= 'A' && b <= 'Z') {
                b += 32;
            }
            if (b != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /** Case-insensitive comparison of two ranges of the same buffer. */
    static boolean equalsIgnoreCase(ByteBuf buf, int a, int b, int len) {
        for (int i = 0; i < len; i++) {
            int x = buf.getByte(a + i);
            int y = buf.getByte(b + i);
            if (x >= 'A' && x <= 'Z') {
                x += 32;
            }
            if (y >= 'A' && y <= 'Z') {
                y += 32;
            }
            if (x != y) {
                return false;
            }
        }
        return true;
    }
}
