package io.fulcrum.forwarder.io.xdp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Flyweight over one mmapped AF_XDP ring (layout in {@link XskDescriptor}): the static-inline
 * {@code xsk_ring_prod__*} / {@code xsk_ring_cons__*} helpers of {@code xsk.h} in Java.
 *
 * <p>Each ring has one user-space side: fill and TX rings are produced here and consumed by the kernel;
 * RX and completion rings are produced by the kernel and consumed here. Indices are free-running u32
 * (Java int arithmetic wraps the same way); the slot is {@code index & mask}. The shared producer and
 * consumer words are read with acquire and written with release semantics; everything else is cached
 * locally so most calls touch no shared cache line.
 *
 * <p>Single-threaded (the port's agent thread). No allocation.
 */
final class XskRing {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment mapping;
    private final long producerOffset;
    private final long consumerOffset;
    private final long flagsOffset;
    private final long descOffset;
    private final int size;
    private final int mask;
    private final boolean hasFlags;
    /** Producer side: our next producer index. Consumer side: the last producer index seen. */
    private int cachedProducer;
    /** Consumer side: our next consumer index. Producer side: the last consumer index seen plus size. */
    private int cachedConsumer;

    XskRing(final MemorySegment mapping, final long producerOffset, final long consumerOffset, final long flagsOffset,
            final long descOffset, final int size, final boolean producerSide) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two: " + size);
        }
        this.mapping = mapping;
        this.producerOffset = producerOffset;
        this.consumerOffset = consumerOffset;
        this.flagsOffset = flagsOffset;
        this.hasFlags = flagsOffset >= 0;
        this.descOffset = descOffset;
        this.size = size;
        this.mask = size - 1;
        this.cachedProducer = (int) INT.getAcquire(mapping, producerOffset);
        this.cachedConsumer = (int) INT.getAcquire(mapping, consumerOffset);
        if (producerSide) {
            this.cachedConsumer += size;
        }
    }

    int size() {
        return size;
    }

    // ---- producer side (fill, TX) ----

    /**
     * The number of free slots, at most {@code wanted}; refreshes the consumer index from the kernel only
     * when the cached view has fewer than {@code wanted}.
     */
    int free(final int wanted) {
        int free = cachedConsumer - cachedProducer;
        if (free >= wanted) {
            return wanted;
        }
        cachedConsumer = (int) INT.getAcquire(mapping, consumerOffset) + size;
        free = cachedConsumer - cachedProducer;
        return Math.min(free, wanted);
    }

    /** The index of the next slot to produce into (valid for as many slots as {@link #free} returned). */
    int producerIndex() {
        return cachedProducer;
    }

    /** Advances the local producer index by {@code count} slots that have been written. */
    void produced(final int count) {
        cachedProducer += count;
    }

    /** Publishes every produced slot to the kernel (release store of the producer index). */
    void submit() {
        INT.setRelease(mapping, producerOffset, cachedProducer);
    }

    /** Fill/completion entry: writes a UMEM address into slot {@code index}. */
    void setAddress(final int index, final long address) {
        mapping.set(ValueLayout.JAVA_LONG, descOffset + (long) (index & mask) * XskDescriptor.ADDR_SIZE, address);
    }

    /** RX/TX entry: writes {@code struct xdp_desc} into slot {@code index}. */
    void setDescriptor(final int index, final long address, final int length) {
        final long at = descOffset + (long) (index & mask) * XskDescriptor.DESC_SIZE;
        mapping.set(ValueLayout.JAVA_LONG, at + XskDescriptor.DESC_ADDR, address);
        mapping.set(ValueLayout.JAVA_INT, at + XskDescriptor.DESC_LEN, length);
        mapping.set(ValueLayout.JAVA_INT, at + XskDescriptor.DESC_OPTIONS, 0);
    }

    /**
     * Whether the kernel asked to be woken up (XDP_RING_NEED_WAKEUP); always true on kernels without the
     * flags word, which must be kicked every time.
     */
    boolean needsWakeup() {
        return !hasFlags || ((int) INT.getAcquire(mapping, flagsOffset) & XskDescriptor.XDP_RING_NEED_WAKEUP) != 0;
    }

    /** Whether the kernel set XDP_RING_NEED_WAKEUP (false on kernels without the flags word). */
    boolean needsWakeupFlagSet() {
        return hasFlags && ((int) INT.getAcquire(mapping, flagsOffset) & XskDescriptor.XDP_RING_NEED_WAKEUP) != 0;
    }

    /** Entries produced here and not yet consumed by the kernel (from the last consumer index seen). */
    int outstanding() {
        return cachedProducer - ((int) INT.getAcquire(mapping, consumerOffset));
    }

    // ---- consumer side (RX, completion) ----

    /**
     * The number of entries ready to consume, at most {@code wanted}; re-reads the producer index when the
     * cached view has fewer than {@code wanted}.
     */
    int available(final int wanted) {
        int entries = cachedProducer - cachedConsumer;
        if (entries < wanted) {
            cachedProducer = (int) INT.getAcquire(mapping, producerOffset);
            entries = cachedProducer - cachedConsumer;
        }
        return Math.min(entries, wanted);
    }

    /** The index of the next slot to consume. */
    int consumerIndex() {
        return cachedConsumer;
    }

    /** Advances the local consumer index by {@code count} read slots. */
    void consumed(final int count) {
        cachedConsumer += count;
    }

    /** Hands every consumed slot back to the kernel (release store of the consumer index). */
    void release() {
        INT.setRelease(mapping, consumerOffset, cachedConsumer);
    }

    /** Fill/completion entry at {@code index}. */
    long address(final int index) {
        return mapping.get(ValueLayout.JAVA_LONG, descOffset + (long) (index & mask) * XskDescriptor.ADDR_SIZE);
    }

    /** RX/TX descriptor address at {@code index}. */
    long descriptorAddress(final int index) {
        return mapping.get(ValueLayout.JAVA_LONG, descOffset + (long) (index & mask) * XskDescriptor.DESC_SIZE);
    }

    /** RX/TX descriptor length at {@code index}. */
    int descriptorLength(final int index) {
        return mapping.get(ValueLayout.JAVA_INT,
            descOffset + (long) (index & mask) * XskDescriptor.DESC_SIZE + XskDescriptor.DESC_LEN);
    }
}
