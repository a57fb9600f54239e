package io.fulcrum.bench.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.HdrHistogram.Histogram;

/**
 * One I/O thread of the load generator: a selector, its share of the sessions, a latency histogram and counters.
 * The loop reads the clock once per turn, starts the sessions that are due, checks timeouts, then waits for I/O
 * until the next due instant. Nothing in the loop allocates once the connections are open.
 */
final class LoadWorker implements Runnable {
    static final long RETRY_BACKOFF_NS = 10_000_000L;
    static final long HIGHEST_LATENCY_NS = 60_000_000_000L;
    private static final long SPIN_BELOW_NS = 1_000_000L;
    private static final long PARK_NS = 50_000L;
    private static final long IDLE_SELECT_MS = 20;

    static final int ERROR_CONNECT = 0;
    static final int ERROR_IO = 1;
    static final int ERROR_TIMEOUT = 2;
    static final int ERROR_STATUS = 3;
    static final int ERROR_PROTOCOL = 4;
    static final String[] ERROR_NAMES = {"connect", "io", "timeout", "status", "protocol"};

    final LoadOptions options;
    final Selector selector;
    /** Shared receive buffer: every read is consumed before the next one. */
    final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    final Histogram histogram = new Histogram(1_000, HIGHEST_LATENCY_NS, 3);
    private final Session[] sessions;
    private int sessionCount;
    private final Consumer<SelectionKey> onKey = this::onKey;
    private long nowNs;
    /** True while a session is starting an operation (no nested restart from a synchronous completion). */
    boolean starting;

    // measured results (written by this thread only; read after join)
    long completed;
    long bytesSent;
    long bytesReceived;
    final long[] errors = new long[ERROR_NAMES.length];
    long measureStartNs;
    long measureEndNs;

    // progress for the main thread
    final AtomicLong progressCompleted = new AtomicLong();
    final AtomicLong progressErrors = new AtomicLong();
    private volatile boolean measuring;
    private long measureFromNs;
    private boolean measuringSeen;
    private volatile long stopAtNs = Long.MAX_VALUE;
    private Throwable failure;

    LoadWorker(final LoadOptions options, final int sessionCapacity) {
        this.options = options;
        this.sessions = new Session[sessionCapacity];
        try {
            this.selector = Selector.open();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void add(final Session session) {
        sessions[sessionCount++] = session;
    }

    /** Called from the main thread: discard what was counted so far and start measuring. */
    void startMeasuring(final long fromNs) {
        measureFromNs = fromNs;
        measuring = true;
    }

    /** Called from the main thread: stop at this instant. */
    void stopAt(final long deadlineNs) {
        stopAtNs = deadlineNs;
        selector.wakeup();
    }

    Throwable failure() {
        return failure;
    }

    long now() {
        return nowNs;
    }

    void completed(final long latencyNs) {
        completed++;
        if (options.scenario().hasLatency()) {
            histogram.recordValue(Math.max(0, Math.min(latencyNs, HIGHEST_LATENCY_NS)));
        }
    }

    /** Whether a new operation may start now (before the deadline and under the operation cap). */
    boolean mayStart(final long now) {
        final long maxOps = options.maxOperations();
        return now < stopAtNs && !(maxOps > 0 && measuringSeen && completed >= maxOps);
    }

    void error(final int kind) {
        errors[kind]++;
    }

    @Override
    public void run() {
        try {
            loop();
        } catch (final Throwable t) {
            failure = t;
        } finally {
            for (int i = 0; i < sessionCount; i++) {
                sessions[i].close();
            }
            try {
                selector.close();
            } catch (final IOException ignored) {
                // closing at exit: nothing left to lose
            }
        }
    }

    private void loop() throws IOException {
        final long timeoutNs = options.timeoutNs();
        final long maxOps = options.maxOperations();
        final Session[] all = sessions;
        final int count = sessionCount;
        while (true) {
            final long now = System.nanoTime();
            nowNs = now;
            if (now >= stopAtNs) {
                measureEndNs = now;
                return;
            }
            if (measuring && !measuringSeen) {
                measuringSeen = true;
                resetCounts(now);
            }
            long nextDueNs = Long.MAX_VALUE;
            final boolean capped = maxOps > 0 && measuringSeen && completed >= maxOps;
            for (int i = 0; i < count; i++) {
                final Session s = all[i];
                if (s.busy) {
                    if (now - s.startedNs > timeoutNs) {
                        s.fail(now, ERROR_TIMEOUT);
                    }
                } else if (!capped) {
                    final long due = s.nextStartNs();
                    if (due <= now) {
                        s.start(now);
                    } else if (due < nextDueNs) {
                        nextDueNs = due;
                    }
                }
            }
            if (capped) {
                measureEndNs = now;
                return;
            }
            progressCompleted.lazySet(completed);
            progressErrors.lazySet(errorTotal());
            final long waitNs = Math.min(nextDueNs, stopAtNs) - now;
            if (waitNs >= SPIN_BELOW_NS) {
                selector.select(onKey, Math.min(IDLE_SELECT_MS, waitNs / 1_000_000L));
            } else {
                if (selector.selectNow(onKey) == 0 && waitNs > 0) {
                    LockSupport.parkNanos(Math.min(waitNs, PARK_NS));
                }
            }
        }
    }

    private void onKey(final SelectionKey key) {
        final Session s = (Session) key.attachment();
        s.ready(key, System.nanoTime());
    }

    private void resetCounts(final long now) {
        histogram.reset();
        completed = 0;
        bytesSent = 0;
        bytesReceived = 0;
        java.util.Arrays.fill(errors, 0);
        measureStartNs = Math.max(now, measureFromNs);
    }

    long errorTotal() {
        long total = 0;
        for (final long e : errors) {
            total += e;
        }
        return total;
    }
}
