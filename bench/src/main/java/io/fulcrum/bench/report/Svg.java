package io.fulcrum.bench.report;

import java.util.List;
import java.util.Locale;

/**
 * Writes the report's charts as standalone SVG (no browser, no network, no fonts to embed): horizontal
 * throughput bars with a min–max whisker, and latency-by-percentile curves on the usual HdrHistogram axis
 * (x = 1 / (1 - percentile), logarithmic).
 */
public final class Svg {
    private static final String[] PALETTE = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#843c39", "#7b4173"};
    private static final String GRID_V = "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n";
    private static final String FONT = "font-family=\"DejaVu Sans, Arial, sans-serif\"";

    private Svg() {
    }

    /** One bar: a contender's median with its min and max; {@code note} replaces the bar when not measured. */
    public record Bar(String label, double median, double min, double max, boolean highlight, String note) {
    }

    /** One latency curve: percentiles (0–100) and latencies in microseconds, same length. */
    public record Series(String label, double[] percentiles, double[] latencyUs) {
    }

    /** A horizontal bar chart; bars with a note are drawn as grey text instead. */
    public static String bars(final String title, final String unit, final List<Bar> bars) {
        final int labelWidth = 190;
        final int plotWidth = 430;
        final int rowHeight = 24;
        final int top = 46;
        final int width = labelWidth + plotWidth + 150;
        final int height = top + rowHeight * bars.size() + 40;
        double max = 0;
        for (final Bar b : bars) {
            if (b.note == null) {
                max = Math.max(max, Math.max(b.max, b.median));
            }
        }
        final double scaleMax = niceCeiling(max);
        final StringBuilder s = header(width, height);
        s.append(text(10, 22, 15, "bold", "start", title));
        s.append(text(10, 38, 11, "normal", "start", unit + " (median of the repeats; whisker: min–max)"));
        for (int t = 0; t <= 4; t++) {
            final double x = labelWidth + plotWidth * t / 4.0;
            s.append(String.format(Locale.ROOT, GRID_V, x, top - 4,
                x, top + rowHeight * bars.size()));
            s.append(text(x, top + rowHeight * bars.size() + 14, 10, "normal", "middle", compact(scaleMax * t / 4)));
        }
        for (int i = 0; i < bars.size(); i++) {
            final Bar b = bars.get(i);
            final double y = top + i * rowHeight;
            s.append(text(labelWidth - 8, y + 15, 11, b.highlight ? "bold" : "normal", "end", b.label));
            if (b.note != null) {
                s.append(text(labelWidth + 4, y + 15, 10, "normal", "start", b.note, "#888"));
                continue;
            }
            final double w = scaleMax > 0 ? plotWidth * b.median / scaleMax : 0;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                labelWidth, y + 4, w, rowHeight - 8, b.highlight ? "#d62728" : "#1f77b4"));
            if (scaleMax > 0 && b.max > b.min) {
                final double x1 = labelWidth + plotWidth * b.min / scaleMax;
                final double x2 = labelWidth + plotWidth * b.max / scaleMax;
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>%n",
                    x1, y + 12, x2, y + 12));
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>%n",
                    x1, y + 8, x1, y + 16));
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>%n",
                    x2, y + 8, x2, y + 16));
            }
            s.append(text(labelWidth + Math.max(w, scaleMax > 0 ? plotWidth * b.max / scaleMax : 0) + 6, y + 15, 10,
                "normal", "start", compact(b.median)));
        }
        return s.append("</svg>\n").toString();
    }

    /** Latency against percentile, one curve per series, log-log. */
    public static String percentiles(final String title, final List<Series> series) {
        final int left = 70;
        final int top = 40;
        final int plotWidth = 520;
        final int plotHeight = 300;
        final int legendWidth = 200;
        final int width = left + plotWidth + legendWidth + 20;
        final int height = top + plotHeight + 50;
        double minUs = Double.MAX_VALUE;
        double maxUs = 0;
        for (final Series se : series) {
            for (final double v : se.latencyUs) {
                if (v > 0) {
                    minUs = Math.min(minUs, v);
                    maxUs = Math.max(maxUs, v);
                }
            }
        }
        if (maxUs == 0) {
            minUs = 1;
            maxUs = 10;
        }
        final double yLo = Math.floor(Math.log10(minUs));
        final double yHi = Math.max(yLo + 1, Math.ceil(Math.log10(maxUs)));
        final double xHi = 5; // 99.999 %; the max is drawn at the right edge
        final StringBuilder s = header(width, height);
        s.append(text(10, 22, 15, "bold", "start", title));
        // axes and grid
        for (double e = yLo; e <= yHi; e++) {
            final double y = top + plotHeight - plotHeight * (e - yLo) / (yHi - yLo);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", left, y,
                left + plotWidth, y));
            s.append(text(left - 6, y + 4, 10, "normal", "end", micros(Math.pow(10, e))));
        }
        final String[] xLabels = {"0%", "90%", "99%", "99.9%", "99.99%", "max"};
        for (int k = 0; k <= 5; k++) {
            final double x = left + plotWidth * k / xHi;
            s.append(String.format(Locale.ROOT, GRID_V, x, top, x,
                top + plotHeight));
            s.append(text(x, top + plotHeight + 16, 10, "normal", "middle", xLabels[k]));
        }
        s.append(text(left + plotWidth / 2.0, top + plotHeight + 34, 11, "normal", "middle", "percentile"));
        s.append(String.format(Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n",
            left, top, plotWidth, plotHeight));
        for (int i = 0; i < series.size(); i++) {
            final Series se = series.get(i);
            final String color = PALETTE[i % PALETTE.length];
            final StringBuilder points = new StringBuilder();
            for (int j = 0; j < se.percentiles.length; j++) {
                final double v = se.latencyUs[j];
                if (!(v > 0)) {
                    continue;
                }
                final double p = se.percentiles[j];
                final double xv = p >= 100 ? xHi : Math.min(xHi, Math.log10(1 / (1 - p / 100.0)));
                final double x = left + plotWidth * xv / xHi;
                final double y = top + plotHeight - plotHeight * (Math.log10(v) - yLo) / (yHi - yLo);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            s.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(color).append("\" points=\"")
                .append(points.toString().trim()).append("\"/>\n");
            final double ly = top + 8 + i * 16;
            s.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>%n",
                left + plotWidth + 12, ly, left + plotWidth + 30, ly, color));
            s.append(text(left + plotWidth + 34, ly + 4, 10, "normal", "start", se.label));
        }
        s.append(text(14, top + plotHeight / 2.0, 11, "normal", "middle", "latency",
            null, "rotate(-90 14 " + (top + plotHeight / 2) + ")"));
        return s.append("</svg>\n").toString();
    }

    private static StringBuilder header(final int width, final int height) {
        final StringBuilder s = new StringBuilder(4096);
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\">%n", width, height, width, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>%n", width, height));
        return s;
    }

    private static String text(final double x, final double y, final int size, final String weight, final String anchor,
                               final String content) {
        return text(x, y, size, weight, anchor, content, null);
    }

    private static String text(final double x, final double y, final int size, final String weight, final String anchor,
                               final String content, final String color) {
        return text(x, y, size, weight, anchor, content, color, null);
    }

    private static String text(final double x, final double y, final int size, final String weight, final String anchor,
                               final String content, final String color, final String transform) {
        return String.format(Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"%s\" text-anchor=\"%s\" %s%s%s>"
            + "%s</text>%n", x, y, size, weight, anchor, FONT, color == null ? "" : " fill=\"" + color + "\"",
            transform == null ? "" : " transform=\"" + transform + "\"", escape(content));
    }

    /** XML-escapes text content. */
    static String escape(final String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** 12,345 → "12.3k", 1.2e9 → "1.2G". */
    public static String compact(final double v) {
        final double a = Math.abs(v);
        if (a >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", v / 1e9);
        }
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        if (a >= 1e3) {
            return String.format(Locale.ROOT, "%.2fk", v / 1e3);
        }
        return String.format(Locale.ROOT, a >= 10 || a == 0 ? "%.0f" : "%.2f", v);
    }

    private static String micros(final double us) {
        if (us >= 1e6) {
            return String.format(Locale.ROOT, "%.0f s", us / 1e6);
        }
        if (us >= 1e3) {
            return String.format(Locale.ROOT, "%.0f ms", us / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f µs", us);
    }

    private static double niceCeiling(final double v) {
        if (v <= 0) {
            return 1;
        }
        final double e = Math.pow(10, Math.floor(Math.log10(v)));
        for (final double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * e >= v) {
                return m * e;
            }
        }
        return 10 * e;
    }
}
