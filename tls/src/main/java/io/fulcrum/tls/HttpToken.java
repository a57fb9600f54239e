package io.fulcrum.tls;

/** RFC 9110 token characters (tchar), shared by settings validation and the HTTP parser. */
public final class HttpToken {
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private HttpToken() {
    }

    /** Whether the byte (0..255) is a tchar. */
    public static boolean isTchar(int b) {
        return TCHAR[b & 0xFF];
    }

    /** Whether the whole string is a non-empty token. */
    public static boolean isToken(CharSequence s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c > 255 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }
}
