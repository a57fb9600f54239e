package io.fulcrum.conntrack;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Single-level hashed timer wheel over intrusive, doubly linked lists whose links live inside the entries of
 * an off-heap slab (the {@link FlowTable} entries). Single-threaded; allocation-free after construction.
 *
 * <p>Each entry carries, from {@code linksOffset}: {@code int next}, {@code int prev}, {@code int tick} (low 32
 * bits of the tick of the slot it is linked in) and {@code long deadlineMs} (see {@link FlowDescriptor}).
 *
 * <p>Deadlines are refreshed lazily: traffic only rewrites {@code deadlineMs} ({@link #refresh}); the entry
 * stays in its slot unless the new deadline is earlier than the slot. When the wheel reaches the slot, an entry
 * whose deadline has moved on is relinked once at its real deadline; only an entry that is really due is
 * handed to the {@link Handler}. So an active flow costs one relink per timeout period, not one per packet.
 *
 * <p>{@link #poll} does bounded work: it examines at most {@code maxWork} entries and at most one lap of slots
 * per call, and resumes exactly where it stopped on the next call (after a pause longer than a lap, one lap
 * examines every entry and the wheel jumps to the present). A tick's slot is processed once the
 * clock has passed the whole tick, so expiry is late by at most one tick.
 *
 * <pre>
 *   heads[slots]:  [0] -&gt; e17 &lt;-&gt; e3      tick t lives in slot t &amp; (slots - 1); an entry whose deadline
 *                  [1] -&gt; -1                is more than one lap away stays in its slot until its lap comes
 *                  [2] -&gt; e9                 (its stored tick says which lap).
 * </pre>
 */
public final class TimerWheel {
    /** End of list / no entry. */
    public static final int NULL_INDEX = -1;

    /** Called for each entry whose deadline has passed, after it was unlinked from the wheel. */
    @FunctionalInterface
    public interface Handler {
        /**
         * An entry is due.
         *
         * @param index the entry, already unlinked; the handler may reschedule it or leave it unlinked.
         * @param nowMs the clock passed to {@link #poll}.
         */
        void onTimerExpired(int index, long nowMs);
    }

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    private final MemorySegment slab;
    private final long entryBytes;
    private final long nextOffset;
    private final long prevOffset;
    private final long tickOffset;
    private final long deadlineOffset;
    private final int[] heads;
    private final int slotMask;
    private final int tickShift;
    private final long startMs;

    private long currentTick;
    private boolean scanning;
    private int cursor = NULL_INDEX;
    private int scheduledCount;
    private long expiredCount;
    private long relinkedCount;

    /**
     * Creates a wheel.
     *
     * @param slab the entries.
     * @param entryBytes size of one entry.
     * @param linksOffset offset in the entry of {@code next, prev, tick, deadlineMs} (16 bytes, 8-aligned + 4).
     * @param tickMs tick length in milliseconds, a power of two.
     * @param slots number of slots, a power of two.
     * @param startMs the clock at tick 0.
     */
    public TimerWheel(final MemorySegment slab, final int entryBytes, final int linksOffset, final int tickMs,
        final int slots, final long startMs) {
        if (tickMs <= 0 || Integer.bitCount(tickMs) != 1) {
            throw new IllegalArgumentException("tickMs must be a power of two, was " + tickMs);
        }
        if (slots <= 0 || Integer.bitCount(slots) != 1 || slots > (1 << 24)) {
            throw new IllegalArgumentException("slots must be a power of two up to 2^24, was " + slots);
        }
        if (entryBytes <= 0 || linksOffset < 0 || linksOffset + 20 > entryBytes || (linksOffset + 12) % 8 != 0) {
            throw new IllegalArgumentException("links at " + linksOffset + " do not fit an entry of " + entryBytes);
        }
        this.slab = slab;
        this.entryBytes = entryBytes;
        this.nextOffset = linksOffset;
        this.prevOffset = linksOffset + 4L;
        this.tickOffset = linksOffset + 8L;
        this.deadlineOffset = linksOffset + 12L;
        this.heads = new int[slots];
        java.util.Arrays.fill(heads, NULL_INDEX);
        this.slotMask = slots - 1;
        this.tickShift = Integer.numberOfTrailingZeros(tickMs);
        this.startMs = startMs;
    }

    /**
     * Tick that contains a point in time.
     *
     * @param timeMs clock value.
     * @return the tick, 0 for times before the start.
     */
    public long tickOf(final long timeMs) {
        final long elapsedMs = timeMs - startMs;
        return elapsedMs <= 0 ? 0 : elapsedMs >>> tickShift;
    }

    /**
     * Links an unlinked entry at its deadline.
     *
     * @param index entry index.
     * @param deadlineMs when it is due.
     */
    public void schedule(final int index, final long deadlineMs) {
        final long base = index * entryBytes;
        slab.set(LONG, base + deadlineOffset, deadlineMs);
        link(index, base, clamp(tickOf(deadlineMs)));
        scheduledCount++;
    }

    /**
     * Moves a linked entry's deadline. Cheap when the deadline moves later (the usual case: traffic): only the
     * deadline is written. An earlier deadline (e.g. ESTABLISHED → CLOSE) relinks the entry at once.
     *
     * @param index a linked entry.
     * @param deadlineMs the new deadline.
     */
    public void refresh(final int index, final long deadlineMs) {
        final long base = index * entryBytes;
        slab.set(LONG, base + deadlineOffset, deadlineMs);
        final long tick = clamp(tickOf(deadlineMs));
        final int linkedTick = slab.get(INT, base + tickOffset);
        if ((int) tick - linkedTick < 0) {
            unlink(index, base);
            link(index, base, tick);
        }
    }

    /**
     * Unlinks a linked entry (a flow removed before its deadline).
     *
     * @param index a linked entry.
     */
    public void cancel(final int index) {
        unlink(index, index * entryBytes);
        scheduledCount--;
    }

    /**
     * Deadline of an entry.
     *
     * @param index entry index.
     * @return its deadline.
     */
    public long deadlineMs(final int index) {
        return slab.get(LONG, index * entryBytes + deadlineOffset);
    }

    /**
     * Processes due slots: entries that are due are unlinked and handed to {@code handler}; entries whose
     * deadline was refreshed are relinked at it. Stops after examining {@code maxWork} entries or one lap of
     * slots, and resumes there on the next call.
     *
     * @param nowMs the duty cycle's clock.
     * @param maxWork most entries to examine.
     * @param handler receives due entries.
     * @return the number of entries examined (expired or relinked or left for a later lap).
     */
    public int poll(final long nowMs, final int maxWork, final Handler handler) {
        final long limitTick = tickOf(nowMs);
        final int mask = slotMask;
        int work = 0;
        int slotsAdvanced = 0;
        while (currentTick < limitTick) {
            if (!scanning) {
                cursor = heads[(int) currentTick & mask];
                scanning = true;
            }
            while (cursor != NULL_INDEX) {
                if (work >= maxWork) {
                    return work;
                }
                final int node = cursor;
                final long base = node * entryBytes;
                cursor = slab.get(INT, base + nextOffset);
                work++;
                final long deadlineMs = slab.get(LONG, base + deadlineOffset);
                if (deadlineMs <= nowMs) {
                    unlink(node, base);
                    scheduledCount--;
                    expiredCount++;
                    handler.onTimerExpired(node, nowMs);
                } else {
                    // Not due: its deadline is at or beyond limitTick > currentTick.
                    final long tick = tickOf(deadlineMs);
                    if (((int) tick & mask) == ((int) currentTick & mask)) {
                        slab.set(INT, base + tickOffset, (int) tick);
                    } else {
                        unlink(node, base);
                        link(node, base, tick);
                        relinkedCount++;
                    }
                }
            }
            scanning = false;
            currentTick++;
            if (++slotsAdvanced > mask) {
                // A whole lap examined every linked entry against nowMs: what is left is due at limitTick or
                // later, so skip the empty laps of a long pause instead of walking them.
                currentTick = limitTick;
                break;
            }
        }
        return work;
    }

    /**
     * Entries currently linked.
     *
     * @return count.
     */
    public int scheduledCount() {
        return scheduledCount;
    }

    /**
     * Entries handed to a handler since creation.
     *
     * @return count.
     */
    public long expiredCount() {
        return expiredCount;
    }

    /**
     * Entries relinked because their deadline had been refreshed (lazy re-scheduling).
     *
     * @return count.
     */
    public long relinkedCount() {
        return relinkedCount;
    }

    /**
     * The next tick {@link #poll} will process.
     *
     * @return tick.
     */
    public long currentTick() {
        return currentTick;
    }

    /**
     * Number of slots.
     *
     * @return slots.
     */
    public int slots() {
        return heads.length;
    }

    private long clamp(final long tick) {
        // The slot being scanned has been passed by the cursor; never link behind it.
        final long minTick = scanning ? currentTick + 1 : currentTick;
        return tick < minTick ? minTick : tick;
    }

    private void link(final int index, final long base, final long tick) {
        final int slot = (int) tick & slotMask;
        final int head = heads[slot];
        slab.set(INT, base + nextOffset, head);
        slab.set(INT, base + prevOffset, NULL_INDEX);
        slab.set(INT, base + tickOffset, (int) tick);
        if (head != NULL_INDEX) {
            slab.set(INT, head * entryBytes + prevOffset, index);
        }
        heads[slot] = index;
    }

    private void unlink(final int index, final long base) {
        final int next = slab.get(INT, base + nextOffset);
        final int prev = slab.get(INT, base + prevOffset);
        if (prev == NULL_INDEX) {
            final int slot = slab.get(INT, base + tickOffset) & slotMask;
            if (heads[slot] != index) {
                throw new IllegalStateException("entry " + index + " is not linked in the timer wheel");
            }
            heads[slot] = next;
        } else {
            slab.set(INT, prev * entryBytes + nextOffset, next);
        }
        if (next != NULL_INDEX) {
            slab.set(INT, next * entryBytes + prevOffset, prev);
        }
        if (cursor == index) {
            cursor = next;
        }
    }
}
