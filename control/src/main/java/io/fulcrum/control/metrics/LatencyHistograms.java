package io.fulcrum.control.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latency histograms exported as Prometheus histograms. A stage records into an HdrHistogram {@link Recorder}
 * on its own threads (wait-free) and registers it here once; each scrape moves the recorder's interval into a
 * cumulative histogram and prints fixed buckets in seconds. The control plane registers its own request latency
 * (nanoseconds); the node registers the L7 stage's request latency per listener and response latency per backend
 * (microseconds) the same way. Entries of one name are printed as one family, whatever the order of registration.
 */
public final class LatencyHistograms {
    /** Bucket upper bounds in seconds (Prometheus {@code le}). */
    static final double[] BUCKETS_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1, 2.5, 5, 10};

    /** One registered histogram; {@code cumulative} is created from the first interval (same range and precision). */
    static final class Entry {
        final String name;
        final String help;
        final Map<String, String> labels;
        final Recorder recorder;
        final long nanosPerUnit;
        Histogram cumulative;
        Histogram interval;

        Entry(final String name, final String help, final Map<String, String> labels, final Recorder recorder,
              final long nanosPerUnit) {
            this.name = name;
            this.help = help;
            this.labels = labels;
            this.recorder = recorder;
            this.nanosPerUnit = nanosPerUnit;
        }
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    /** A recorder for nanosecond latencies up to an hour, 3 significant digits. */
    public static Recorder newRecorder() {
        return new Recorder(3_600_000_000_000L, 3);
    }

    /**
     * Registers a recorder of nanoseconds.
     *
     * @param name     metric name, e.g. {@code fulcrum_http_request_duration_seconds}
     * @param help     one line of help
     * @param labels   constant labels, e.g. {@code listener=web}, written in the map's iteration order
     * @param recorder where the stage records nanoseconds
     */
    public void register(final String name, final String help, final Map<String, String> labels, final Recorder recorder) {
        register(name, help, labels, recorder, 1);
    }

    /**
     * Registers a recorder whose values are in another unit; this registry becomes its only interval reader.
     *
     * @param nanosPerUnit 1 for nanoseconds, 1000 for microseconds
     */
    public void register(final String name, final String help, final Map<String, String> labels, final Recorder recorder,
                         final long nanosPerUnit) {
        if (nanosPerUnit < 1) {
            throw new IllegalArgumentException("nanosPerUnit must be >= 1, got " + nanosPerUnit);
        }
        // Keep the caller's label order (Map.copyOf would not): series must be written the same way on every scrape
        // and by every process.
        entries.add(new Entry(name, help, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels)), recorder,
            nanosPerUnit));
    }

    /** Writes every histogram; called by the one HTTP thread. */
    synchronized void write(final PrometheusText out) {
        final Map<String, List<Entry>> families = new LinkedHashMap<>();
        for (final Entry e : entries) {
            families.computeIfAbsent(e.name, k -> new ArrayList<>()).add(e);
        }
        for (final List<Entry> family : families.values()) {
            out.family(family.get(0).name, "histogram", family.get(0).help);
            for (final Entry e : family) {
                write(out, e);
            }
        }
    }

    private static void write(final PrometheusText out, final Entry e) {
        e.interval = e.recorder.getIntervalHistogram(e.interval);
        if (e.cumulative == null) {
            e.cumulative = new Histogram(e.interval.getHighestTrackableValue(), e.interval.getNumberOfSignificantValueDigits());
        }
        e.cumulative.add(e.interval);
        final Histogram h = e.cumulative;
        final long total = h.getTotalCount();
        for (final double le : BUCKETS_SECONDS) {
            final long bound = (long) (le * 1e9) / e.nanosPerUnit;
            final long count = total == 0 ? 0 : h.getCountBetweenValues(0, bound);
            out.sample(e.name + "_bucket", withLe(e.labels, PrometheusText.number(le)), count);
        }
        out.sample(e.name + "_bucket", withLe(e.labels, "+Inf"), total);
        out.sample(e.name + "_sum", e.labels, total == 0 ? 0 : h.getMean() * total * e.nanosPerUnit / 1e9);
        out.sample(e.name + "_count", e.labels, total);
    }

    private static Map<String, String> withLe(final Map<String, String> labels, final String le) {
        final Map<String, String> m = new LinkedHashMap<>(labels);
        m.put("le", le);
        return m;
    }
}
