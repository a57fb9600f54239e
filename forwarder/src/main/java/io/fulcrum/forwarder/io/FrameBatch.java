package io.fulcrum.forwarder.io;

import java.lang.foreign.MemorySegment;

/**
 * A batch of received frames, filled by {@link PacketIo#receive(FrameBatch)} and handed back with
 * {@link PacketIo#releaseRx(FrameBatch)}. Preallocated once per agent and port; nothing in it is
 * allocated per frame.
 *
 * <p>All frames of one batch live in one memory region ({@link #memory()}): the AF_XDP UMEM, the
 * AF_PACKET ring, or the in-memory arena. Frame {@code i} occupies
 * {@code memory.asSlice(offset[i], length[i])}; it may be rewritten in place (for example to turn an
 * ARP request into its reply) and then passed to {@link PacketIo#transmit} before release.
 */
public final class FrameBatch {
    /** The frame's L4 checksum is not complete (veth CHECKSUM_PARTIAL, TP_STATUS_CSUMNOTREADY). */
    public static final int FLAG_CSUM_NOT_READY = 1;
    /** The frame was truncated by the capture (snaplen &lt; len); it must not be forwarded. */
    public static final int FLAG_TRUNCATED = 2;

    private final int capacity;
    private final long[] offset;
    private final int[] length;
    private final int[] flags;
    private final long[] handle;
    private final long[] offload;
    private MemorySegment memory = MemorySegment.NULL;
    private int count;

    public FrameBatch(final int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0: " + capacity);
        }
        this.capacity = capacity;
        this.offset = new long[capacity];
        this.length = new int[capacity];
        this.flags = new int[capacity];
        this.handle = new long[capacity];
        this.offload = new long[capacity];
    }

    public int capacity() {
        return capacity;
    }

    public int count() {
        return count;
    }

    public MemorySegment memory() {
        return memory;
    }

    public long offset(final int index) {
        return offset[index];
    }

    public int length(final int index) {
        return length[index];
    }

    public int flags(final int index) {
        return flags[index];
    }

    /**
     * The frame's {@link Offload} word: GSO type and size, partial checksum position ({@link Offload#NONE} for a
     * plain frame, and always with ports that do not read virtio headers).
     */
    public long offload(final int index) {
        return offload[index];
    }

    /** The I/O implementation's own bookkeeping for frame {@code index} (ring slot, UMEM address). */
    public long handle(final int index) {
        return handle[index];
    }

    // ---- used by PacketIo implementations only ----

    /** Starts a new receive into {@code region}. */
    public void reset(final MemorySegment region) {
        this.memory = region;
        this.count = 0;
    }

    /** Appends a frame; returns false when the batch is full. */
    public boolean add(final long frameOffset, final int frameLength, final int frameFlags, final long frameHandle) {
        return add(frameOffset, frameLength, frameFlags, frameHandle, Offload.NONE);
    }

    /** Appends a frame with its {@link Offload} word; returns false when the batch is full. */
    public boolean add(final long frameOffset, final int frameLength, final int frameFlags, final long frameHandle,
                       final long frameOffload) {
        final int i = count;
        if (i == capacity) {
            return false;
        }
        offset[i] = frameOffset;
        length[i] = frameLength;
        flags[i] = frameFlags;
        handle[i] = frameHandle;
        offload[i] = frameOffload;
        count = i + 1;
        return true;
    }

    /** Empties the batch after release. */
    public void clear() {
        count = 0;
    }
}
