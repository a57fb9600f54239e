package io.fulcrum.bench.load;

import java.util.Locale;

import org.HdrHistogram.Histogram;

/**
 * The outcome of one load run: operations per second, bytes, errors by kind and the latency distribution.
 *
 * @param options        the settings of the run
 * @param seconds        the measured time
 * @param operations     completed operations (tcp-stream: bytes written)
 * @param bytesSent      bytes written to sockets
 * @param bytesReceived  bytes read from sockets
 * @param errors         counts by kind, in the order of {@link #ERROR_NAMES}
 * @param histogram      latency in nanoseconds (empty for tcp-stream)
 */
public record LoadResult(LoadOptions options, double seconds, long operations, long bytesSent, long bytesReceived,
                         long[] errors, Histogram histogram) {

    /** Names of the error kinds, in the order of {@link #errors()}. */
    public static final String[] ERROR_NAMES = LoadWorker.ERROR_NAMES;

    /** Percentiles written to JSON and printed (the latency curve of the report). */
    public static final double[] PERCENTILES = {0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100};

    /** Operations per second. */
    public double perSecond() {
        return seconds > 0 ? operations / seconds : 0;
    }

    /** All errors. */
    public long errorTotal() {
        long total = 0;
        for (final long e : errors) {
            total += e;
        }
        return total;
    }

    /** Latency at a percentile in microseconds. */
    public double latencyUs(final double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    /** The human summary printed at the end of a run. */
    public String text() {
        final StringBuilder b = new StringBuilder(512);
        final Scenario s = options.scenario();
        b.append(String.format(Locale.ROOT, "%s %s: %d connections, %d threads, %.1f s, %s%n", s.id(),
            options.target().getHostString() + ":" + options.target().getPort(), options.connections(), options.threads(),
            seconds, options.rate() > 0 ? String.format(Locale.ROOT, "open loop at %.0f/s (latency from intended send time)",
                options.rate()) : "closed loop"));
        if (s == Scenario.TCP_STREAM) {
            b.append(String.format(Locale.ROOT, "  throughput: %.3f Gbit/s (%,d bytes)%n", perSecond() * 8 / 1e9, operations));
        } else {
            b.append(String.format(Locale.ROOT, "  %s: %,.0f (%,d operations)%n", s.unit(), perSecond(), operations));
            if (histogram.getTotalCount() > 0) {
                b.append("  latency (µs):");
                for (final double p : PERCENTILES) {
                    b.append(String.format(Locale.ROOT, " p%s=%.0f", pct(p), latencyUs(p)));
                }
                b.append(String.format(Locale.ROOT, " mean=%.0f%n", histogram.getMean() / 1000.0));
            }
        }
        b.append("  errors:");
        for (int i = 0; i < errors.length; i++) {
            b.append(' ').append(ERROR_NAMES[i]).append('=').append(errors[i]);
        }
        b.append(String.format(Locale.ROOT, "%n  bytes: sent %,d, received %,d%n", bytesSent, bytesReceived));
        return b.toString();
    }

    private static String pct(final double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    /** The result as one JSON object. */
    public String json() {
        final StringBuilder b = new StringBuilder(1024);
        final Scenario s = options.scenario();
        b.append("{\"tool\":\"fulcrum-bench\",\"scenario\":\"").append(s.id()).append('"');
        b.append(",\"label\":").append(quote(options.label()));
        b.append(",\"target\":").append(quote(options.target().getHostString() + ":" + options.target().getPort()));
        b.append(",\"connections\":").append(options.connections());
        b.append(",\"threads\":").append(options.threads());
        b.append(",\"mode\":\"").append(options.rate() > 0 ? "open" : "closed").append('"');
        b.append(",\"rate\":").append(num(options.rate()));
        b.append(",\"seconds\":").append(num(seconds));
        b.append(",\"operations\":").append(operations);
        b.append(",\"unit\":\"").append(s.unit()).append('"');
        b.append(",\"perSecond\":").append(num(perSecond()));
        b.append(",\"bytesSent\":").append(bytesSent);
        b.append(",\"bytesReceived\":").append(bytesReceived);
        b.append(",\"errors\":{");
        for (int i = 0; i < errors.length; i++) {
            b.append(i == 0 ? "" : ",").append('"').append(ERROR_NAMES[i]).append("\":").append(errors[i]);
        }
        b.append("},\"errorTotal\":").append(errorTotal());
        if (s.hasLatency() && histogram.getTotalCount() > 0) {
            b.append(",\"latencyUs\":{");
            for (int i = 0; i < PERCENTILES.length; i++) {
                b.append(i == 0 ? "" : ",").append("\"p").append(pct(PERCENTILES[i])).append("\":")
                    .append(num(latencyUs(PERCENTILES[i])));
            }
            b.append(",\"mean\":").append(num(histogram.getMean() / 1000.0)).append('}');
        }
        b.append('}');
        return b.toString();
    }

    static String num(final double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "null";
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String quote(final String text) {
        final StringBuilder b = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
