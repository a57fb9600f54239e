package io.fulcrum.scheduler.persistence;

/**
 * Finds one cookie's value in a {@code Cookie} request header ({@code a=1; FULCRUM_ID=xyz}) or the first
 * {@code name=value} pair of a {@code Set-Cookie} response header, without allocating. The result packs
 * the value's bounds as {@code start << 32 | end}; -1 means absent.
 */
public final class CookieHeaders {
    private CookieHeaders() {
    }

    /** Value bounds of cookie {@code name} in a {@code Cookie} header, or -1. */
    public static long findInCookie(final CharSequence header, final String name) {
        final int length = header.length();
        int i = 0;
        while (i < length) {
            while (i < length && (header.charAt(i) == ' ' || header.charAt(i) == ';')) {
                i++;
            }
            final int nameStart = i;
            while (i < length && header.charAt(i) != '=' && header.charAt(i) != ';') {
                i++;
            }
            if (i >= length || header.charAt(i) != '=') {
                continue;
            }
            final int nameEnd = i;
            final int valueStart = ++i;
            while (i < length && header.charAt(i) != ';') {
                i++;
            }
            int valueEnd = i;
            while (valueEnd > valueStart && header.charAt(valueEnd - 1) == ' ') {
                valueEnd--;
            }
            if (regionEquals(header, nameStart, nameEnd, name)) {
                return pack(header, valueStart, valueEnd);
            }
        }
        return -1;
    }

    /** Value bounds if the {@code Set-Cookie} header sets cookie {@code name}, or -1. */
    public static long findInSetCookie(final CharSequence header, final String name) {
        int i = 0;
        final int length = header.length();
        while (i < length && header.charAt(i) == ' ') {
            i++;
        }
        final int nameStart = i;
        while (i < length && header.charAt(i) != '=' && header.charAt(i) != ';') {
            i++;
        }
        if (i >= length || header.charAt(i) != '=' || !regionEquals(header, nameStart, i, name)) {
            return -1;
        }
        final int valueStart = ++i;
        while (i < length && header.charAt(i) != ';') {
            i++;
        }
        return pack(header, valueStart, i);
    }

    /** Start index of packed bounds. */
    public static int start(final long bounds) {
        return (int) (bounds >>> 32);
    }

    /** End index (exclusive) of packed bounds. */
    public static int end(final long bounds) {
        return (int) bounds;
    }

    private static long pack(final CharSequence header, final int start, final int end) {
        int s = start;
        int e = end;
        if (e - s >= 2 && header.charAt(s) == '"' && header.charAt(e - 1) == '"') {
            s++;
            e--;
        }
        return (long) s << 32 | e;
    }

    private static boolean regionEquals(final CharSequence header, final int start, final int end, final String name) {
        if (end - start != name.length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (header.charAt(start + i) != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
