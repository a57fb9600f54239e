package io.fulcrum.bench.load;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.Locale;

import org.HdrHistogram.Histogram;

/**
 * Runs one load: splits the connections over {@link LoadWorker} threads, warms up, measures, prints progress,
 * and merges the workers' counts and histograms into a {@link LoadResult}. Always bounded by the duration
 * (plus a grace period for the threads to stop).
 */
public final class LoadGenerator {
    private static final long STOP_GRACE_MS = 10_000;

    private LoadGenerator() {
    }

    /** Runs the load described by {@code options}; progress lines go to {@code progress} when enabled. */
    public static LoadResult run(final LoadOptions options, final PrintStream progress) throws InterruptedException {
        final int threads = options.threads();
        final LoadWorker[] workers = new LoadWorker[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new LoadWorker(options, options.connections() / threads + 1);
        }
        final ByteBuffer request = ByteBuffer.allocateDirect(Math.max(1, options.httpRequest().length));
        request.put(options.httpRequest()).flip();
        final ByteBuffer streamData = ByteBuffer.allocateDirect(options.payloadBytes());
        for (int i = 0; i < options.payloadBytes(); i++) {
            streamData.put(i, (byte) ('a' + i % 26));
        }
        final long startNs = System.nanoTime() + 20_000_000L;
        final long intervalNs = options.rate() > 0 ? (long) (options.connections() * 1e9 / options.rate()) : 0;
        final double spacingNs = options.rate() > 0 ? 1e9 / options.rate() : 0;
        for (int c = 0; c < options.connections(); c++) {
            final LoadWorker w = workers[c % threads];
            final IntendedSchedule schedule = new IntendedSchedule(startNs + (long) (c * spacingNs), intervalNs);
            w.add(switch (options.scenario()) {
                case HTTP -> new HttpSession(w, schedule, options.target(), request, true);
                case HTTP_CLOSE -> new HttpSession(w, schedule, options.target(), request, false);
                case TCP_CONNECT -> new ConnectSession(w, schedule, options.target());
                case TCP_STREAM -> new StreamSession(w, schedule, options.target(), streamData);
                case UDP -> new UdpSession(w, schedule, options.target(), options.payloadBytes());
            });
        }
        final Thread[] running = new Thread[threads];
        final long measureFromNs = startNs + options.warmupNs();
        if (options.warmupNs() == 0) {
            for (final LoadWorker w : workers) {
                w.startMeasuring(measureFromNs);
            }
        }
        for (int t = 0; t < threads; t++) {
            running[t] = Thread.ofPlatform().name("fulcrum-bench-" + t).daemon(true).start(workers[t]);
        }
        final long endNs = measureFromNs + options.durationNs();
        for (final LoadWorker w : workers) {
            w.stopAt(endNs);
        }
        if (options.warmupNs() > 0) {
            sleepUntil(measureFromNs);
            for (final LoadWorker w : workers) {
                w.startMeasuring(measureFromNs);
            }
        }
        long lastNs = Math.max(System.nanoTime(), measureFromNs);
        long lastOps = 0;
        final boolean tty = System.console() != null;
        while (System.nanoTime() < endNs && alive(running)) {
            sleepUntil(Math.min(endNs, lastNs + 1_000_000_000L));
            final long now = System.nanoTime();
            long ops = 0;
            long errs = 0;
            for (final LoadWorker w : workers) {
                ops += w.progressCompleted.get();
                errs += w.progressErrors.get();
            }
            if (options.progress() && progress != null && now < endNs) {
                final double rate = (ops - lastOps) * 1e9 / Math.max(1, now - lastNs);
                progress.print(String.format(Locale.ROOT, "%sfulcrum-bench %s: %4.0f/%.0f s  %,12.0f %s  errors %d%s",
                    tty ? "\r" : "", options.scenario().id(), Math.max(0, (now - measureFromNs) / 1e9),
                    options.durationNs() / 1e9, options.scenario() == Scenario.TCP_STREAM ? rate * 8 / 1e9 : rate,
                    options.scenario() == Scenario.TCP_STREAM ? "Gbit/s" : options.scenario().unit(), errs,
                    tty ? "" : "\n"));
                progress.flush();
            }
            lastNs = now;
            lastOps = ops;
        }
        for (final Thread t : running) {
            t.join(STOP_GRACE_MS);
            if (t.isAlive()) {
                throw new IllegalStateException("worker " + t.getName() + " did not stop within " + STOP_GRACE_MS + " ms");
            }
        }
        if (options.progress() && progress != null && tty) {
            progress.println();
        }
        final Histogram merged = new Histogram(1_000, LoadWorker.HIGHEST_LATENCY_NS, 3);
        long operations = 0;
        long sent = 0;
        long received = 0;
        final long[] errors = new long[LoadWorker.ERROR_NAMES.length];
        long from = Long.MAX_VALUE;
        long to = 0;
        for (final LoadWorker w : workers) {
            if (w.failure() != null) {
                throw new IllegalStateException("load worker failed", w.failure());
            }
            merged.add(w.histogram);
            operations += w.completed;
            sent += w.bytesSent;
            received += w.bytesReceived;
            for (int i = 0; i < errors.length; i++) {
                errors[i] += w.errors[i];
            }
            from = Math.min(from, w.measureStartNs);
            to = Math.max(to, w.measureEndNs);
        }
        final double seconds = to > from ? (to - from) / 1e9 : 0;
        return new LoadResult(options, seconds, operations, sent, received, errors, merged);
    }

    private static boolean alive(final Thread[] threads) {
        for (final Thread t : threads) {
            if (t.isAlive()) {
                return true;
            }
        }
        return false;
    }

    private static void sleepUntil(final long deadlineNs) throws InterruptedException {
        while (true) {
            final long left = deadlineNs - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Thread.sleep(Math.max(1, left / 1_000_000L));
        }
    }
}
