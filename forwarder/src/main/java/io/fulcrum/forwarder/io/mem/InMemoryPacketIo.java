package io.fulcrum.forwarder.io.mem;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.Offload;
import io.fulcrum.forwarder.io.PacketIo;

/**
 * A {@link PacketIo} in memory, for tests and benchmarks: the test injects frames into an RX queue and
 * reads what the agent transmitted from a TX list. Both live in off-heap arenas of fixed-size slots,
 * like a real ring, and nothing is allocated after construction except by the byte-array conveniences
 * ({@link #inject(byte[])}, {@link #txFrame(int)}).
 *
 * <pre>
 *   rx arena:  [slot 0][slot 1]...[slot rxCapacity-1]   each frameSize bytes; free slots on a stack,
 *              injected slots in a FIFO until receive() hands them out and releaseRx() frees them
 *   tx arena:  [slot 0][slot 1]...[slot txCapacity-1]   filled in transmit order until clearTx()
 * </pre>
 * Frames that do not fit (RX queue full, larger than a slot) are refused and counted as kernel drops.
 */
public final class InMemoryPacketIo implements PacketIo {
    private final String name;
    private final long mac;
    private final int mtu;
    private final int frameSize;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment rxArena;
    private final MemorySegment txArena;
    private final int rxCapacity;
    private final int[] freeSlots;
    private int freeCount;
    private final int[] rxQueue;
    private final int[] rxLength;
    private final int[] rxFlags;
    private final long[] rxOffload;
    private int rxHead;
    private int rxCount;
    private final int txCapacity;
    private final int[] txLength;
    private final long[] txOffload;
    private int txCount;
    private int txUnflushed;
    private long flushed;
    private long kernelDrops;
    private boolean closed;

    /**
     * @param name       the port name (e.g. {@code mem0}).
     * @param mac        the port's MAC in the low 48 bits.
     * @param mtu        the MTU reported.
     * @param rxCapacity slots for injected, not yet released frames.
     * @param txCapacity slots for transmitted frames until {@link #clearTx()}.
     * @param frameSize  bytes per slot (largest frame).
     */
    public InMemoryPacketIo(final String name, final long mac, final int mtu, final int rxCapacity, final int txCapacity,
                            final int frameSize) {
        if (rxCapacity <= 0 || txCapacity <= 0 || frameSize <= 0) {
            throw new IllegalArgumentException("capacities and frame size must be > 0");
        }
        this.name = name;
        this.mac = mac;
        this.mtu = mtu;
        this.frameSize = frameSize;
        this.rxCapacity = rxCapacity;
        this.txCapacity = txCapacity;
        this.rxArena = arena.allocate((long) rxCapacity * frameSize, 64);
        this.txArena = arena.allocate((long) txCapacity * frameSize, 64);
        this.freeSlots = new int[rxCapacity];
        for (int i = 0; i < rxCapacity; i++) {
            freeSlots[i] = rxCapacity - 1 - i;
        }
        this.freeCount = rxCapacity;
        this.rxQueue = new int[rxCapacity];
        this.rxLength = new int[rxCapacity];
        this.rxFlags = new int[rxCapacity];
        this.rxOffload = new long[rxCapacity];
        this.txLength = new int[txCapacity];
        this.txOffload = new long[txCapacity];
    }

    /** A port with 256 RX and 256 TX slots of 2048 bytes and MTU 1500. */
    public InMemoryPacketIo(final String name, final long mac) {
        this(name, mac, 1500, 256, 256, 2048);
    }

    /**
     * Queues a copy of {@code length} bytes at {@code offset} of {@code frame} for the next receive().
     *
     * @return false (and a kernel drop) if the RX queue is full or the frame is larger than a slot.
     */
    public boolean inject(final MemorySegment frame, final long offset, final int length, final int flags) {
        return inject(frame, offset, length, flags, Offload.NONE);
    }

    /** Like {@link #inject(MemorySegment, long, int, int)} with the frame's {@link Offload} word (a virtio header). */
    public boolean inject(final MemorySegment frame, final long offset, final int length, final int flags,
                          final long offload) {
        if (freeCount == 0 || length > frameSize || length < 0) {
            kernelDrops++;
            return false;
        }
        final int slot = freeSlots[--freeCount];
        MemorySegment.copy(frame, offset, rxArena, (long) slot * frameSize, length);
        final int tail = (rxHead + rxCount) % rxCapacity;
        rxQueue[tail] = slot;
        rxLength[slot] = length;
        rxFlags[slot] = flags;
        rxOffload[slot] = offload;
        rxCount++;
        return true;
    }

    /** Queues a copy of {@code frame} (allocates a wrapper: for tests, not steady-state loops). */
    public boolean inject(final byte[] frame) {
        return inject(frame, 0);
    }

    public boolean inject(final byte[] frame, final int flags) {
        return inject(MemorySegment.ofArray(frame), 0, frame.length, flags);
    }

    /** Frames injected and not yet received. */
    public int rxPending() {
        return rxCount;
    }

    /** Frames transmitted since the last {@link #clearTx()}. */
    public int txCount() {
        return txCount;
    }

    /** The {@link Offload} word transmitted frame {@code index} was sent with (this port hands offloads on, as vnet). */
    public long txOffload(final int index) {
        return txOffload[index];
    }

    /** A copy of transmitted frame {@code index}. */
    public byte[] txFrame(final int index) {
        checkTxIndex(index);
        return txArena.asSlice((long) index * frameSize, txLength[index]).toArray(ValueLayout.JAVA_BYTE);
    }

    public int txLength(final int index) {
        checkTxIndex(index);
        return txLength[index];
    }

    /** The transmit arena; frame {@code index} is at {@code index * frameSize()}. */
    public MemorySegment txMemory() {
        return txArena;
    }

    public int frameSize() {
        return frameSize;
    }

    /** Forgets the transmitted frames, freeing every TX slot. */
    public void clearTx() {
        txCount = 0;
        txUnflushed = 0;
    }

    /** Frames handed over by {@link #flush()} in total. */
    public long flushedFrames() {
        return flushed;
    }

    private void checkTxIndex(final int index) {
        if (index < 0 || index >= txCount) {
            throw new IndexOutOfBoundsException("tx frame " + index + " of " + txCount);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int ifIndex() {
        return 0;
    }

    @Override
    public long macAddress() {
        return mac;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public int receive(final FrameBatch batch) {
        batch.reset(rxArena);
        int received = 0;
        while (rxCount > 0) {
            final int slot = rxQueue[rxHead];
            if (!batch.add((long) slot * frameSize, rxLength[slot], rxFlags[slot], slot, rxOffload[slot])) {
                break;
            }
            rxHead = (rxHead + 1) % rxCapacity;
            rxCount--;
            received++;
        }
        return received;
    }

    @Override
    public void releaseRx(final FrameBatch batch) {
        final int count = batch.count();
        for (int i = 0; i < count; i++) {
            freeSlots[freeCount++] = (int) batch.handle(i);
        }
        batch.clear();
    }

    @Override
    public boolean transmit(final MemorySegment frame, final long offset, final int length) {
        return transmit(frame, offset, length, Offload.NONE);
    }

    /** Records the offload word with the frame, as a port with virtio headers would hand it to the kernel. */
    @Override
    public boolean transmit(final MemorySegment frame, final long offset, final int length, final long offload) {
        if (txCount == txCapacity || length > frameSize || length < 0) {
            return false;
        }
        MemorySegment.copy(frame, offset, txArena, (long) txCount * frameSize, length);
        txOffload[txCount] = offload;
        txLength[txCount] = length;
        txCount++;
        txUnflushed++;
        return true;
    }

    @Override
    public int flush() {
        final int done = txUnflushed;
        txUnflushed = 0;
        flushed += done;
        return done;
    }

    @Override
    public int pollFd() {
        return -1;
    }

    @Override
    public long kernelDrops() {
        return kernelDrops;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
