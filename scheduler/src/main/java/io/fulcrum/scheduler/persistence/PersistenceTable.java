package io.fulcrum.scheduler.persistence;

import static io.fulcrum.scheduler.persistence.PersistenceTableDescriptor.BUCKET_LENGTH;
import static io.fulcrum.scheduler.persistence.PersistenceTableDescriptor.DEADLINE_OFFSET;
import static io.fulcrum.scheduler.persistence.PersistenceTableDescriptor.ENTRIES_PER_BUCKET;
import static io.fulcrum.scheduler.persistence.PersistenceTableDescriptor.GROUP_OFFSET;
import static io.fulcrum.scheduler.persistence.PersistenceTableDescriptor.KEY_HIGH_OFFSET;
import static io.fulcrum.scheduler.persistence.PersistenceTableDescriptor.KEY_LOW_OFFSET;
import static io.fulcrum.scheduler.persistence.PersistenceTableDescriptor.REF_OFFSET;
import static io.fulcrum.scheduler.persistence.PersistenceTableDescriptor.SEQ_OFFSET;
import static io.fulcrum.scheduler.persistence.PersistenceTableDescriptor.entryOffset;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import io.fulcrum.scheduler.FlowHash;

/**
 * A fixed-size, off-heap key → backend table with per-entry deadlines, shared by all cores (layout:
 * {@link PersistenceTableDescriptor}). Reads are lock-free (seqlock); writers claim one bucket with a CAS and
 * never block: a writer that finds its bucket claimed retries a bounded number of times (spin, no park), then
 * reports {@link #BUSY} and the caller goes on without persisting that one decision (counted). Nothing is
 * allocated after construction.
 *
 * <p>Memory is bounded by the capacity fixed at construction. When a bucket is full, an expired entry is
 * reused; otherwise the entry closest to its deadline is evicted (counted) or, if eviction is off, the insert
 * is refused (counted as table-full). {@link #sweep} (control side) frees expired entries incrementally so the
 * entry gauge stays accurate.
 * Keys are spread over buckets of three, so size the table at about four times the clients expected within one
 * timeout: at 25 % occupancy fewer than one bucket in 10<sup>4</sup> overflows.
 *
 * <p>Counters are per lane (single writer, padded) and summed on read. Lane {@code lanes} is reserved for the
 * control side's {@link #sweep}.
 */
public final class PersistenceTable implements AutoCloseable {
    /** No live entry for the key. */
    public static final int MISS = 0;
    /** The bucket was being written by another core; nothing stored. */
    public static final int BUSY = -1;
    /** The bucket was full of live entries and eviction is off; nothing stored. */
    public static final int FULL = -2;
    /** Smallest and largest capacity in entries. */
    public static final int MIN_CAPACITY = 1024;
    public static final int MAX_CAPACITY = 1 << 24;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final VarHandle SEQ = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle COUNTER = java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);
    private static final int READ_ATTEMPTS = 16;
    private static final int CLAIM_ATTEMPTS = 64;
    private static final long GROUP_MIX = 0x9e37_79b9_7f4a_7c15L;

    private static final int COUNTER_STRIDE = 16;
    private static final int ADDED = 0;
    private static final int REMOVED = 1;
    private static final int EVICTIONS = 2;
    private static final int TABLE_FULL = 3;
    private static final int BUSY_COUNT = 4;
    private static final int HITS = 5;
    private static final int MISSES = 6;

    private final Arena arena;
    private final MemorySegment memory;
    private final long bucketMask;
    private final long bucketCount;
    private final boolean evictOldest;
    private final int lanes;
    private final long[] counters;
    private long sweepCursor;

    /**
     * @param capacityEntries entries to hold, 1024–16777216 (rounded up to a power-of-two number of buckets)
     * @param lanes           data-path lanes that write (forwarder agents / event loops)
     * @param evictOldest     true: a full bucket evicts its entry closest to expiry; false: refuse ({@link #FULL})
     */
    public PersistenceTable(final int capacityEntries, final int lanes, final boolean evictOldest) {
        if (capacityEntries < MIN_CAPACITY || capacityEntries > MAX_CAPACITY) {
            throw new IllegalArgumentException("persistence table capacity must be " + MIN_CAPACITY + "-" + MAX_CAPACITY
                + " entries, got " + capacityEntries);
        }
        if (lanes < 1 || lanes > 4096) {
            throw new IllegalArgumentException("persistence table lanes must be 1-4096, got " + lanes);
        }
        long buckets = 1;
        while (buckets * ENTRIES_PER_BUCKET < capacityEntries) {
            buckets <<= 1;
        }
        this.bucketCount = buckets;
        this.bucketMask = buckets - 1;
        this.evictOldest = evictOldest;
        this.lanes = lanes;
        this.counters = new long[(lanes + 2) * COUNTER_STRIDE];
        this.arena = Arena.ofShared();
        this.memory = arena.allocate(buckets * BUCKET_LENGTH, 64);
    }

    /** Entries the table can hold. */
    public long capacity() {
        return bucketCount * ENTRIES_PER_BUCKET;
    }

    /** Off-heap bytes used. */
    public long memoryBytes() {
        return memory.byteSize();
    }

    /**
     * Returns the live ref for the key, or {@link #MISS}. A hit slides the deadline to {@code now + timeout}
     * (written at most once a second per key, and skipped if the bucket is busy).
     */
    public int lookup(final int lane, final int group, final long keyHigh, final long keyLow, final long timeoutMs,
                      final long nowMs) {
        final long bucket = bucketOf(group, keyHigh, keyLow);
        final long base = bucket * BUCKET_LENGTH;
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
            final long seq = (long) SEQ.getAcquire(memory, base + SEQ_OFFSET);
            if ((seq & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            int foundRef = MISS;
            long foundDeadline = 0;
            int foundIndex = -1;
            for (int i = 0; i < ENTRIES_PER_BUCKET; i++) {
                final long e = entryOffset(bucket, i);
                final int ref = memory.get(INT, e + REF_OFFSET);
                if (ref != 0 && memory.get(INT, e + GROUP_OFFSET) == group && memory.get(LONG, e + KEY_LOW_OFFSET) == keyLow
                    && memory.get(LONG, e + KEY_HIGH_OFFSET) == keyHigh) {
                    foundRef = ref;
                    foundDeadline = memory.get(LONG, e + DEADLINE_OFFSET);
                    foundIndex = i;
                    break;
                }
            }
            VarHandle.loadLoadFence();
            if ((long) SEQ.getVolatile(memory, base + SEQ_OFFSET) != seq) {
                continue;
            }
            if (foundRef == MISS || foundDeadline <= nowMs) {
                count(lane, MISSES);
                return MISS;
            }
            count(lane, HITS);
            if (foundDeadline - nowMs < timeoutMs - Math.min(1000, timeoutMs / 4)) {
                refresh(bucket, foundIndex, foundRef, group, keyHigh, keyLow, nowMs + timeoutMs);
            }
            return foundRef;
        }
        count(lane, MISSES);
        return MISS;
    }

    /**
     * Stores {@code ref} for the key unless another core stored a live entry first. A live entry whose ref is
     * {@code staleRef} (the caller found it unusable, e.g. its backend is down) is replaced.
     *
     * @return the ref now stored for the key ({@code ref}, or the other core's), {@link #BUSY} or {@link #FULL}
     */
    public int putIfAbsent(final int lane, final int group, final long keyHigh, final long keyLow, final int ref,
                           final int staleRef, final long timeoutMs, final long nowMs) {
        return store(lane, group, keyHigh, keyLow, ref, staleRef, false, nowMs + timeoutMs, nowMs);
    }

    /** Stores {@code ref} for the key, replacing any entry. Returns {@code ref}, {@link #BUSY} or {@link #FULL}. */
    public int put(final int lane, final int group, final long keyHigh, final long keyLow, final int ref, final long timeoutMs,
                   final long nowMs) {
        return store(lane, group, keyHigh, keyLow, ref, 0, true, nowMs + timeoutMs, nowMs);
    }

    /**
     * Control side: frees expired entries in up to {@code maxBuckets} buckets, continuing where the last call
     * stopped. Returns the number freed.
     */
    public int sweep(final long nowMs, final int maxBuckets) {
        int freed = 0;
        for (int n = 0; n < maxBuckets; n++) {
            final long bucket = sweepCursor;
            sweepCursor = (sweepCursor + 1) & bucketMask;
            final long base = bucket * BUCKET_LENGTH;
            boolean expired = false;
            for (int i = 0; i < ENTRIES_PER_BUCKET; i++) {
                final long e = entryOffset(bucket, i);
                if (memory.get(INT, e + REF_OFFSET) != 0 && memory.get(LONG, e + DEADLINE_OFFSET) <= nowMs) {
                    expired = true;
                }
            }
            if (!expired) {
                continue;
            }
            final long seq = (long) SEQ.getVolatile(memory, base + SEQ_OFFSET);
            if ((seq & 1) != 0 || !SEQ.compareAndSet(memory, base + SEQ_OFFSET, seq, seq + 1)) {
                continue;
            }
            VarHandle.fullFence();
            for (int i = 0; i < ENTRIES_PER_BUCKET; i++) {
                final long e = entryOffset(bucket, i);
                if (memory.get(INT, e + REF_OFFSET) != 0 && memory.get(LONG, e + DEADLINE_OFFSET) <= nowMs) {
                    memory.set(INT, e + REF_OFFSET, 0);
                    freed++;
                }
            }
            SEQ.setRelease(memory, base + SEQ_OFFSET, seq + 2);
        }
        final int index = (lanes + 1) * COUNTER_STRIDE + REMOVED;
        COUNTER.setOpaque(counters, index, counters[index] + freed);
        return freed;
    }

    /** Entries currently stored (live or expired but not yet reclaimed). */
    public long entries() {
        return sum(ADDED) - sum(REMOVED);
    }

    /** Live entries evicted because their bucket was full. */
    public long evictions() {
        return sum(EVICTIONS);
    }

    /** Inserts refused because the bucket was full and eviction is off. */
    public long tableFull() {
        return sum(TABLE_FULL);
    }

    /** Writes skipped because another core held the bucket. */
    public long busy() {
        return sum(BUSY_COUNT);
    }

    /** Lookups that found a live entry. */
    public long hits() {
        return sum(HITS);
    }

    /** Lookups that found none. */
    public long misses() {
        return sum(MISSES);
    }

    @Override
    public void close() {
        arena.close();
    }

    private int store(final int lane, final int group, final long keyHigh, final long keyLow, final int ref, final int staleRef,
                      final boolean overwrite, final long deadlineMs, final long nowMs) {
        final long bucket = bucketOf(group, keyHigh, keyLow);
        final long seqOffset = bucket * BUCKET_LENGTH + SEQ_OFFSET;
        final long seq = claim(seqOffset);
        if (seq < 0) {
            count(lane, BUSY_COUNT);
            return BUSY;
        }
        int result = ref;
        int target = -1;
        int empty = -1;
        int expired = -1;
        int soonest = -1;
        long soonestDeadline = Long.MAX_VALUE;
        for (int i = 0; i < ENTRIES_PER_BUCKET; i++) {
            final long e = entryOffset(bucket, i);
            final int existing = memory.get(INT, e + REF_OFFSET);
            if (existing == 0) {
                if (empty < 0) {
                    empty = i;
                }
                continue;
            }
            final long deadline = memory.get(LONG, e + DEADLINE_OFFSET);
            if (memory.get(INT, e + GROUP_OFFSET) == group && memory.get(LONG, e + KEY_LOW_OFFSET) == keyLow
                && memory.get(LONG, e + KEY_HIGH_OFFSET) == keyHigh) {
                target = i;
                if (!overwrite && deadline > nowMs && existing != staleRef) {
                    result = existing;
                }
                break;
            }
            if (deadline <= nowMs) {
                if (expired < 0) {
                    expired = i;
                }
            } else if (deadline < soonestDeadline) {
                soonestDeadline = deadline;
                soonest = i;
            }
        }
        if (target < 0) {
            if (empty >= 0) {
                target = empty;
                count(lane, ADDED);
            } else if (expired >= 0) {
                target = expired;
            } else if (evictOldest) {
                target = soonest;
                count(lane, EVICTIONS);
            } else {
                count(lane, TABLE_FULL);
                result = FULL;
            }
        }
        if (target >= 0 && result == ref) {
            final long e = entryOffset(bucket, target);
            memory.set(LONG, e + KEY_HIGH_OFFSET, keyHigh);
            memory.set(LONG, e + KEY_LOW_OFFSET, keyLow);
            memory.set(INT, e + GROUP_OFFSET, group);
            memory.set(LONG, e + DEADLINE_OFFSET, deadlineMs);
            memory.set(INT, e + REF_OFFSET, ref);
        }
        SEQ.setRelease(memory, seqOffset, seq + 2);
        return result;
    }

    /**
     * Claims a bucket: a CAS from even to odd, retried a bounded number of times while another core holds it
     * (a holder keeps it for a few dozen nanoseconds unless it is preempted). Returns the even seq or -1.
     */
    private long claim(final long seqOffset) {
        for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
            final long seq = (long) SEQ.getVolatile(memory, seqOffset);
            if ((seq & 1) == 0 && SEQ.compareAndSet(memory, seqOffset, seq, seq + 1)) {
                VarHandle.fullFence();
                return seq;
            }
            Thread.onSpinWait();
        }
        return -1;
    }

    private void refresh(final long bucket, final int index, final int ref, final int group, final long keyHigh,
                         final long keyLow, final long deadlineMs) {
        final long seqOffset = bucket * BUCKET_LENGTH + SEQ_OFFSET;
        final long seq = (long) SEQ.getVolatile(memory, seqOffset);
        if ((seq & 1) != 0 || !SEQ.compareAndSet(memory, seqOffset, seq, seq + 1)) {
            return;
        }
        VarHandle.fullFence();
        final long e = entryOffset(bucket, index);
        if (memory.get(INT, e + REF_OFFSET) == ref && memory.get(INT, e + GROUP_OFFSET) == group
            && memory.get(LONG, e + KEY_LOW_OFFSET) == keyLow && memory.get(LONG, e + KEY_HIGH_OFFSET) == keyHigh) {
            memory.set(LONG, e + DEADLINE_OFFSET, deadlineMs);
        }
        SEQ.setRelease(memory, seqOffset, seq + 2);
    }

    private long bucketOf(final int group, final long keyHigh, final long keyLow) {
        return FlowHash.mix64(keyHigh ^ FlowHash.mix64(keyLow + group * GROUP_MIX)) & bucketMask;
    }

    private void count(final int lane, final int counter) {
        final int index = (lane + 1) * COUNTER_STRIDE + counter;
        COUNTER.setOpaque(counters, index, counters[index] + 1);
    }

    private long sum(final int counter) {
        long total = 0;
        for (int row = 1; row <= lanes + 1; row++) {
            total += (long) COUNTER.getOpaque(counters, row * COUNTER_STRIDE + counter);
        }
        return total;
    }
}
