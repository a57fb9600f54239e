package io.fulcrum.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader for the report generators (results of fulcrum-bench, wrk lines written by
 * scripts/bench.sh, JMH's {@code -rf json}). Objects become {@link LinkedHashMap}, arrays {@link ArrayList},
 * numbers {@link Double}; a syntax error names the offset.
 */
public final class Json {
    private final String text;
    private int pos;

    private Json(final String text) {
        this.text = text;
    }

    /** Parses one JSON value (surrounding whitespace allowed). */
    public static Object parse(final String text) {
        final Json p = new Json(text);
        final Object v = p.value();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("trailing characters");
        }
        return v;
    }

    /** Parses one JSON object per non-blank line. */
    public static List<Map<String, Object>> parseLines(final String text) {
        final List<Map<String, Object>> out = new ArrayList<>();
        int lineNo = 0;
        for (final String line : text.split("\n")) {
            lineNo++;
            if (!line.isBlank()) {
                try {
                    out.add(object(parse(line), "line " + lineNo));
                } catch (final IllegalArgumentException e) {
                    throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    /** Casts to an object or fails naming {@code what}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(final Object v, final String what) {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(what + ": expected a JSON object");
    }

    /** A path of keys into nested objects; null when any step is missing. */
    public static Object get(final Object root, final String... keys) {
        Object v = root;
        for (final String k : keys) {
            if (!(v instanceof Map<?, ?> m)) {
                return null;
            }
            v = m.get(k);
        }
        return v;
    }

    /** A number at a path, or {@code NaN}. */
    public static double number(final Object root, final String... keys) {
        return get(root, keys) instanceof Double d ? d : Double.NaN;
    }

    /** A string at a path, or {@code fallback}. */
    public static String string(final Object root, final String fallback, final String... keys) {
        final Object v = get(root, keys);
        return v == null ? fallback : v instanceof Double d && d == Math.rint(d) ? Long.toString(d.longValue()) : v.toString();
    }

    private IllegalArgumentException error(final String message) {
        return new IllegalArgumentException("JSON: " + message + " at offset " + pos);
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private Object value() {
        skipSpace();
        if (pos >= text.length()) {
            throw error("unexpected end");
        }
        final char c = text.charAt(pos);
        return switch (c) {
            case '{' -> obj();
            case '[' -> arr();
            case '"' -> str();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            case 'N' -> literal("NaN", Double.NaN);
            default -> num();
        };
    }

    private Object literal(final String word, final Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected character");
        }
        pos += word.length();
        return value;
    }

    private Map<String, Object> obj() {
        final Map<String, Object> m = new LinkedHashMap<>();
        pos++;
        skipSpace();
        if (pos < text.length() && text.charAt(pos) == '}') {
            pos++;
            return m;
        }
        while (true) {
            skipSpace();
            if (pos >= text.length() || text.charAt(pos) != '"') {
                throw error("expected a key");
            }
            final String k = str();
            skipSpace();
            expect(':');
            m.put(k, value());
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                continue;
            }
            expect('}');
            return m;
        }
    }

    private List<Object> arr() {
        final List<Object> l = new ArrayList<>();
        pos++;
        skipSpace();
        if (pos < text.length() && text.charAt(pos) == ']') {
            pos++;
            return l;
        }
        while (true) {
            l.add(value());
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                continue;
            }
            expect(']');
            return l;
        }
    }

    private void expect(final char c) {
        if (pos >= text.length() || text.charAt(pos) != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private String str() {
        pos++;
        final StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            final char c = text.charAt(pos++);
            if (c == '"') {
                return b.toString();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("unterminated escape");
            }
            final char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("short \\u escape");
                    }
                    b.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> throw error("bad escape");
            }
        }
    }

    private Double num() {
        final int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        if (start == pos) {
            throw error("unexpected character '" + text.charAt(pos) + "'");
        }
        final String s = text.substring(start, pos);
        if ("NaN".equals(s)) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s);
        } catch (final NumberFormatException e) {
            throw error("bad number '" + s + "'");
        }
    }
}
