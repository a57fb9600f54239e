package io.fulcrum.scheduler.persistence;

/**
 * Off-heap layout of a {@link PersistenceTable}: a power-of-two array of 128-byte buckets (two cache lines),
 * each with a sequence word and three 32-byte entries.
 *
 * <pre>
 *  bucket (128 bytes, 64-byte aligned)
 *   0                   8                                                  32
 *   +-------------------+--------------------------------------------------+
 *   | seq (i64)         | reserved                                         |
 *   +-------------------+--------------------------------------------------+
 *  32 entry 0, 64 entry 1, 96 entry 2:
 *   0                   8                   16        20        24                  32
 *   +-------------------+-------------------+---------+---------+-------------------+
 *   | key high (i64)    | key low (i64)     | group   | ref     | deadline ms (i64) |
 *   +-------------------+-------------------+---------+---------+-------------------+
 * </pre>
 *
 * <ul>
 *   <li>{@code seq}: even = stable, odd = a writer holds the bucket. Writers claim it with a CAS from even to
 *       odd and release it with an ordered store of the next even value; readers read seq, the entries, then
 *       seq again and retry (a few times) if it was odd or changed — readers never write and never wait.</li>
 *   <li>{@code key}: 128 bits. Source-IP persistence stores the IPv6 address (IPv4 as ::ffff:a.b.c.d);
 *       app-cookie persistence a keyed 128-bit hash of the cookie value.</li>
 *   <li>{@code group}: the backend group's id on this node (keys of different groups never match).</li>
 *   <li>{@code ref}: backend reference (never 0); 0 marks a free entry.</li>
 *   <li>{@code deadline}: the entry is alive while {@code now < deadline} (same clock as the callers').</li>
 * </ul>
 */
public final class PersistenceTableDescriptor {
    /** Bytes per bucket. */
    public static final int BUCKET_LENGTH = 128;
    /** Entries per bucket. */
    public static final int ENTRIES_PER_BUCKET = 3;
    /** Bytes per entry. */
    public static final int ENTRY_LENGTH = 32;
    /** Offset of the sequence word in a bucket. */
    public static final int SEQ_OFFSET = 0;
    /** Offset of entry 0 in a bucket. */
    public static final int FIRST_ENTRY_OFFSET = 32;
    /** Entry field offsets. */
    public static final int KEY_HIGH_OFFSET = 0;
    public static final int KEY_LOW_OFFSET = 8;
    public static final int GROUP_OFFSET = 16;
    public static final int REF_OFFSET = 20;
    public static final int DEADLINE_OFFSET = 24;

    private PersistenceTableDescriptor() {
    }

    /** Offset of entry {@code index} (0..2) of bucket {@code bucket}. */
    public static long entryOffset(final long bucket, final int index) {
        return bucket * BUCKET_LENGTH + FIRST_ENTRY_OFFSET + (long) index * ENTRY_LENGTH;
    }
}
