package io.fulcrum.control.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latency histograms exported as Prometheus histograms. A stage records into an HdrHistogram {@link Recorder}
 * on its own threads (wait-free) and registers it here once; each scrape moves the recorder's interval into a
 * cumulative histogram and prints fixed buckets in seconds. The control plane registers its own request latency;
 * the L7 stage registers request and backend latencies per listener the same way.
 */
public final class LatencyHistograms {
    /** Bucket upper bounds in seconds (Prometheus {@code le}). */
    static final double[] BUCKETS_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1, 2.5, 5, 10};

    /** One registered histogram; values are recorded in nanoseconds. */
    record Entry(String name, String help, Map<String, String> labels, Recorder recorder, Histogram cumulative) {
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    /** A recorder for nanosecond latencies up to an hour, 3 significant digits. */
    public static Recorder newRecorder() {
        return new Recorder(3_600_000_000_000L, 3);
    }

    /**
     * Registers a recorder.
     *
     * @param name     metric name, e.g. {@code fulcrum_http_request_duration_seconds}
     * @param help     one line of help
     * @param labels   constant labels, e.g. {@code listener=web}
     * @param recorder where the stage records nanoseconds
     */
    public void register(final String name, final String help, final Map<String, String> labels, final Recorder recorder) {
        entries.add(new Entry(name, help, Map.copyOf(labels), recorder, new Histogram(3_600_000_000_000L, 3)));
    }

    /** Writes every histogram; called by the one HTTP thread. */
    synchronized void write(final PrometheusText out) {
        String family = null;
        for (final Entry e : entries) {
            e.cumulative().add(e.recorder().getIntervalHistogram());
            if (!e.name().equals(family)) {
                out.family(e.name(), "histogram", e.help());
                family = e.name();
            }
            final Histogram h = e.cumulative();
            for (final double le : BUCKETS_SECONDS) {
                final long boundNs = (long) (le * 1e9);
                final long count = h.getTotalCount() == 0 ? 0 : h.getCountBetweenValues(0, boundNs);
                out.sample(e.name() + "_bucket", withLe(e.labels(), PrometheusText.number(le)), count);
            }
            out.sample(e.name() + "_bucket", withLe(e.labels(), "+Inf"), h.getTotalCount());
            out.sample(e.name() + "_sum", e.labels(), h.getTotalCount() == 0 ? 0 : h.getMean() * h.getTotalCount() / 1e9);
            out.sample(e.name() + "_count", e.labels(), h.getTotalCount());
        }
    }

    private static Map<String, String> withLe(final Map<String, String> labels, final String le) {
        final java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>(labels);
        m.put("le", le);
        return m;
    }
}
