package io.fulcrum.bench.load;

import java.nio.channels.SelectionKey;

/**
 * One connection (or UDP socket) of a {@link LoadWorker}: at most one operation outstanding. The worker starts
 * the next operation when it is due ({@link IntendedSchedule}) and hands it selector events until it ends in
 * {@link LoadWorker#completed} or one of the worker's error counts.
 */
abstract class Session {
    final LoadWorker worker;
    final IntendedSchedule schedule;
    /** True while an operation is outstanding. */
    boolean busy;
    /** The instant the outstanding operation's latency counts from (intended send time in open loop). */
    long originNs;
    /** When the outstanding operation was actually started (for the timeout). */
    long startedNs;
    /** After an error, no new operation before this instant. */
    long retryAtNs;

    Session(final LoadWorker worker, final IntendedSchedule schedule) {
        this.worker = worker;
        this.schedule = schedule;
    }

    /** When the next operation may start. */
    final long nextStartNs() {
        return Math.max(schedule.dueNs(), retryAtNs);
    }

    /** Starts the next operation at {@code nowNs}. */
    final void start(final long nowNs) {
        originNs = schedule.take(nowNs);
        startedNs = nowNs;
        busy = true;
        worker.starting = true;
        begin(nowNs);
        worker.starting = false;
    }

    /** The operation finished successfully at {@code nowNs}. */
    final void succeed(final long nowNs) {
        busy = false;
        worker.completed(nowNs - originNs);
        // closed loop: the next request goes out at once, as wrk does (not at the next turn of the loop)
        if (!schedule.openLoop() && !worker.starting && worker.mayStart(nowNs)) {
            start(System.nanoTime());
        }
    }

    /** The operation failed; the connection is closed and the next one waits a little. */
    final void fail(final long nowNs, final int errorKind) {
        busy = false;
        close();
        worker.error(errorKind);
        retryAtNs = nowNs + LoadWorker.RETRY_BACKOFF_NS;
    }

    /** Sends / connects for a new operation. */
    abstract void begin(long nowNs);

    /** A selector event for this session's channel. */
    abstract void ready(SelectionKey key, long nowNs);

    /** Closes the channel (idempotent). */
    abstract void close();
}
