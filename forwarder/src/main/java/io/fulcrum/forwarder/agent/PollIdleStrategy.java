package io.fulcrum.forwarder.agent;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.IdleStrategy;

import io.fulcrum.forwarder.io.sys.Syscalls;

/**
 * Backs off in three steps when a duty cycle found no work: spin ({@link Thread#onSpinWait()}) for
 * {@code spinTries} cycles, yield for {@code yieldTries}, then block in {@code poll()} on all ports'
 * descriptors for at most {@code pollTimeoutMs} until one becomes readable. Any work resets it to spinning.
 *
 * <p>Blocking in poll() keeps a forwarder from starving the kernel softirqs and other processes on a small
 * machine while waking within microseconds of a frame; the timeout bounds how late the agent's timers run.
 * With no pollable descriptor (in-memory ports) it parks for the timeout instead. The pollfd array is
 * allocated once; idling allocates nothing. Single-threaded, like the agent it serves.
 */
public final class PollIdleStrategy implements IdleStrategy {
    private static final long FD_OFFSET = Syscalls.POLLFD.byteOffset(PathElement.groupElement("fd"));
    private static final long EVENTS_OFFSET = Syscalls.POLLFD.byteOffset(PathElement.groupElement("events"));
    private static final long REVENTS_OFFSET = Syscalls.POLLFD.byteOffset(PathElement.groupElement("revents"));

    private final int spinTries;
    private final int yieldTries;
    private final int pollTimeoutMs;
    private final int fdCount;
    private final MemorySegment pollFds;
    private final MemorySegment callState;
    private int spins;
    private int yields;
    private long polls;
    private long pollErrors;

    /**
     * @param fds           the descriptors to wait on (negative ones are skipped).
     * @param spinTries     idle cycles spent spinning, &gt;= 0.
     * @param yieldTries    idle cycles spent yielding, &gt;= 0.
     * @param pollTimeoutMs the longest a poll() blocks, &gt;= 1.
     */
    public PollIdleStrategy(final int[] fds, final int spinTries, final int yieldTries, final int pollTimeoutMs) {
        if (spinTries < 0 || yieldTries < 0 || pollTimeoutMs < 1) {
            throw new IllegalArgumentException("spinTries, yieldTries must be >= 0 and pollTimeoutMs >= 1");
        }
        this.spinTries = spinTries;
        this.yieldTries = yieldTries;
        this.pollTimeoutMs = pollTimeoutMs;
        int count = 0;
        for (final int fd : fds) {
            if (fd >= 0) {
                count++;
            }
        }
        this.fdCount = count;
        // Auto arena: the strategy is built on the conductor thread and used on the agent thread.
        final Arena arena = Arena.ofAuto();
        this.pollFds = arena.allocate(Syscalls.POLLFD, Math.max(1, count));
        this.callState = Syscalls.newCallState(arena);
        int slot = 0;
        for (final int fd : fds) {
            if (fd >= 0) {
                final long base = slot * Syscalls.POLLFD.byteSize();
                pollFds.set(ValueLayout.JAVA_INT, base + FD_OFFSET, fd);
                pollFds.set(ValueLayout.JAVA_SHORT, base + EVENTS_OFFSET, Syscalls.POLLIN);
                slot++;
            }
        }
    }

    @Override
    public void idle(final int workCount) {
        if (workCount > 0) {
            reset();
        } else {
            idle();
        }
    }

    @Override
    public void idle() {
        if (spins < spinTries) {
            spins++;
            Thread.onSpinWait();
        } else if (yields < yieldTries) {
            yields++;
            Thread.yield();
        } else {
            block();
        }
    }

    private void block() {
        polls++;
        if (fdCount == 0) {
            LockSupport.parkNanos(pollTimeoutMs * 1_000_000L);
            return;
        }
        final int result = Syscalls.poll(callState, pollFds, fdCount, pollTimeoutMs);
        if (result < 0) {
            // EINTR and friends: the next idle() simply polls again.
            pollErrors++;
        }
        for (int i = 0; i < fdCount; i++) {
            pollFds.set(ValueLayout.JAVA_SHORT, i * Syscalls.POLLFD.byteSize() + REVENTS_OFFSET, (short) 0);
        }
    }

    @Override
    public void reset() {
        spins = 0;
        yields = 0;
    }

    @Override
    public String alias() {
        return "poll";
    }

    /** How many times it blocked (for tests and diagnostics). */
    public long polls() {
        return polls;
    }

    /** How many poll() calls failed (EINTR etc.). */
    public long pollErrors() {
        return pollErrors;
    }
}
