package io.fulcrum.tls.http;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** Interned method names, so parsing a common method allocates nothing. */
final class Methods {
    private static final String[] KNOWN = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE",
        "CONNECT"};

    private Methods() {
    }

    static String intern(ByteBuf buf, int start, int end) {
        final int len = end - start;
        for (String m : KNOWN) {
            if (m.length() == len && matches(buf, start, m)) {
                return m;
            }
        }
        return buf.toString(start, len, StandardCharsets.US_ASCII);
    }

    private static boolean matches(ByteBuf buf, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (buf.getByte(at + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 §9.2.2 idempotent methods: safe to retry on another backend. */
    static boolean idempotent(String method) {
        return switch (method) {
            case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
            default -> false;
        };
    }
}
