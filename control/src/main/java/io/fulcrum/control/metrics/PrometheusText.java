package io.fulcrum.control.metrics;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writer of the Prometheus text exposition format 0.0.4: one {@code # HELP} and {@code # TYPE} per family, then its
 * samples with escaped label values. Families must be written contiguously; a family written twice is a bug.
 */
public final class PrometheusText {
    /** The content type of the format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder sb = new StringBuilder(8192);
    private final Set<String> families = new HashSet<>();

    /** Starts a family. */
    public PrometheusText family(final String name, final String type, final String help) {
        if (!families.add(name)) {
            throw new IllegalStateException("metric family written twice: " + name);
        }
        sb.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** One sample. */
    public PrometheusText sample(final String name, final Map<String, String> labels, final double value) {
        sb.append(name);
        if (!labels.isEmpty()) {
            sb.append('{');
            boolean first = true;
            for (final Map.Entry<String, String> e : labels.entrySet()) {
                sb.append(first ? "" : ",").append(e.getKey()).append("=\"").append(escape(e.getValue())).append('"');
                first = false;
            }
            sb.append('}');
        }
        sb.append(' ').append(number(value)).append('\n');
        return this;
    }

    /** A number as Prometheus writes it (integers without a fraction). */
    static String number(final double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    private static String escape(final String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** The metric name for free text: lower case, {@code [a-z0-9_]} only. */
    public static String name(final String text) {
        final StringBuilder n = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            final char c = Character.toLowerCase(text.charAt(i));
            n.append(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ? c : '_');
        }
        return n.toString();
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
