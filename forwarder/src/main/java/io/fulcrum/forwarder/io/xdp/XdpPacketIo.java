package io.fulcrum.forwarder.io.xdp;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.PacketIo;
import io.fulcrum.forwarder.io.sys.Syscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * AF_XDP port: one socket bound to one queue of one interface, with its own UMEM, driven entirely through
 * system calls (no libbpf/libxdp). Frames reach the socket through Fulcrum's XDP program
 * ({@link XdpRedirectProgram}, shared per interface through {@link XdpProgramHandle}) when their IPv4
 * destination or ARP target is an owned address; all other traffic stays with the kernel.
 *
 * <pre>
 *  UMEM (frameCount x frameSize, page aligned, MAP_POPULATE)
 *  +-------------------------------+-------------------------------+
 *  | receive frames 0 .. n/2-1     | transmit frames n/2 .. n-1    |
 *  +-------------------------------+-------------------------------+
 *   fill ring -&gt; kernel -&gt; RX ring     free stack -&gt; TX ring -&gt; kernel
 *   -&gt; receive() -&gt; agent               -&gt; completion ring -&gt; free stack
 *   -&gt; releaseRx() -&gt; fill ring          (flush() reaps)
 * </pre>
 *
 * <p>Hot path ({@link #receive}, {@link #releaseRx}, {@link #transmit}, {@link #flush}): ring arithmetic
 * on cached indices, a copy per transmitted frame, and a system call only when a ring's need-wakeup flag
 * asks for one. No allocation, lock, log or exception. Owned by one thread; {@link #close()} and
 * {@link #updateOwnedAddresses} may be called from the conductor.
 */
public final class XdpPacketIo implements PacketIo {
    private static final int IFREQ_DATA = 16;
    private static final int XDP_OPTIONS = 8;
    private static final int XDP_OPTIONS_ZEROCOPY = 1;
    private static final long BIND_BUSY_RETRY_NS = 1_000_000_000L;

    private final XdpConfiguration configuration;
    private final String name;
    private final int ifIndex;
    private final long macAddress;
    private final int mtu;
    private final XdpProgramHandle program;
    private final boolean zeroCopy;
    private final Arena arena;
    private final MemorySegment callState;
    private final MemorySegment statistics;
    private final MemorySegment statisticsLength;
    private final int fd;
    private final MemorySegment umem;
    private final Resources resources;
    private final XskRing rx;
    private final XskRing tx;
    private final XskRing fill;
    private final XskRing completion;
    private final long frameMask;
    private final int frameSize;
    private final long[] txFree;
    private int txFreeCount;
    private int txPending;
    private int txOutstanding;
    private long kickErrors;
    private boolean closed;

    private XdpPacketIo(final XdpConfiguration configuration, final int ifIndex, final long macAddress, final int mtu,
                        final XdpProgramHandle program, final Resources resources) {
        this.configuration = configuration;
        this.ifIndex = ifIndex;
        this.macAddress = macAddress;
        this.mtu = mtu;
        this.program = program;
        this.zeroCopy = resources.zeroCopy;
        this.arena = resources.arena;
        this.callState = resources.callState;
        this.statistics = arena.allocate(XskDescriptor.STATISTICS_SIZE, 8);
        this.statisticsLength = arena.allocate(JAVA_INT);
        this.fd = resources.fd;
        this.umem = resources.umem;
        this.resources = resources;
        this.rx = resources.rx;
        this.tx = resources.tx;
        this.fill = resources.fill;
        this.completion = resources.completion;
        this.frameSize = configuration.frameSize();
        this.frameMask = ~((long) configuration.frameSize() - 1);
        this.txFree = new long[configuration.txFrameCount()];
        final long txBase = (long) configuration.rxFrameCount() * frameSize;
        for (int i = txFree.length - 1; i >= 0; i--) {
            txFree[txFreeCount++] = txBase + (long) i * frameSize;
        }
        this.name = "af_xdp:" + configuration.interfaceName() + "/q" + configuration.queueId() + " "
            + (program.attachedMode() == XdpConfiguration.Mode.NATIVE ? "drv" : "skb") + " " + (zeroCopy ? "zc" : "copy");
    }

    /**
     * Opens a port: attaches (or joins) the interface's XDP program, creates the socket, UMEM and rings,
     * binds to the queue and registers the socket in the program's XSKMAP. The interface is looked up in
     * the calling thread's network namespace.
     *
     * @throws XdpSetupException with the failed step, the errno text and, where known, the fix
     */
    public static XdpPacketIo open(final XdpConfiguration configuration) {
        final int ifIndex = Syscalls.ifNameToIndex(configuration.interfaceName());
        if (ifIndex == 0) {
            throw new XdpSetupException("no interface " + configuration.interfaceName() + " in this network namespace", 19);
        }
        final Arena arena = Arena.ofShared();
        final MemorySegment callState = Syscalls.newCallState(arena);
        final long mac;
        final int mtu;
        try {
            mac = interfaceMac(arena, callState, configuration.interfaceName());
            mtu = interfaceMtu(arena, callState, configuration.interfaceName());
        } catch (final RuntimeException e) {
            arena.close();
            throw e;
        }
        final XdpProgramHandle program;
        try {
            program = XdpProgramHandle.acquire(configuration, ifIndex);
        } catch (final RuntimeException e) {
            arena.close();
            throw e;
        }
        final Resources resources = new Resources(arena, callState);
        try {
            resources.create(configuration);
            final XdpPacketIo io = new XdpPacketIo(configuration, ifIndex, mac, mtu, program, resources);
            io.primeFillRing();
            resources.bind(configuration, ifIndex, program.attachedMode());
            io.zeroCopyCheck(resources);
            program.registerSocket(configuration.queueId(), resources.fd);
            return io;
        } catch (final RuntimeException e) {
            resources.close();
            program.release();
            throw e;
        }
    }

    private void zeroCopyCheck(final Resources resources) {
        if (configuration.zeroCopy() == XdpConfiguration.ZeroCopy.ON && !resources.zeroCopy) {
            throw new XdpSetupException("zero-copy requested on " + configuration.interfaceName() + " but the socket runs in copy"
                + " mode", Syscalls.EOPNOTSUPP);
        }
    }

    // ---- PacketIo ----

    @Override
    public String name() {
        return name;
    }

    @Override
    public int ifIndex() {
        return ifIndex;
    }

    @Override
    public long macAddress() {
        return macAddress;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public int receive(final FrameBatch batch) {
        batch.reset(umem);
        final XskRing ring = rx;
        final int count = ring.available(batch.capacity());
        if (count <= 0) {
            if (fill.needsWakeupFlagSet()) {
                // zero-copy drivers stop when the fill ring ran dry and want a syscall to restart.
                Syscalls.recvfrom(callState, fd, MemorySegment.NULL, 0L, Syscalls.MSG_DONTWAIT, MemorySegment.NULL,
                    MemorySegment.NULL);
            }
            return 0;
        }
        final int first = ring.consumerIndex();
        for (int i = 0; i < count; i++) {
            final long address = ring.descriptorAddress(first + i);
            batch.add(address, ring.descriptorLength(first + i), 0, address);
        }
        ring.consumed(count);
        ring.release();
        return count;
    }

    @Override
    public void releaseRx(final FrameBatch batch) {
        final int count = batch.count();
        if (count > 0) {
            final XskRing ring = fill;
            // Never short: the fill ring holds every receive frame (fillRingSize >= frameCount / 2).
            final int free = ring.free(count);
            final int first = ring.producerIndex();
            for (int i = 0; i < free; i++) {
                ring.setAddress(first + i, batch.handle(i) & frameMask);
            }
            ring.produced(free);
            ring.submit();
        }
        batch.clear();
    }

    @Override
    public boolean transmit(final MemorySegment frame, final long offset, final int length) {
        if (length <= 0 || length > frameSize) {
            return false;
        }
        if (txFreeCount == 0 && reapCompletions() == 0) {
            return false;
        }
        final XskRing ring = tx;
        if (ring.free(1) < 1) {
            return false;
        }
        final long address = txFree[--txFreeCount];
        MemorySegment.copy(frame, offset, umem, address, length);
        ring.setDescriptor(ring.producerIndex(), address, length);
        ring.produced(1);
        txPending++;
        return true;
    }

    @Override
    public int flush() {
        int work = 0;
        if (txPending > 0) {
            tx.submit();
            work = txPending;
            txOutstanding += txPending;
            txPending = 0;
        }
        if (txOutstanding > 0 && tx.needsWakeup()) {
            // Copy mode sends at most a small batch per kick; the next flush kicks again while frames remain.
            if (Syscalls.kick(callState, fd) < 0) {
                final int errno = Syscalls.errno(callState);
                if (errno != Syscalls.EAGAIN && errno != Syscalls.EBUSY && errno != Syscalls.ENOBUFS) {
                    kickErrors++;
                }
            }
        }
        return work + reapCompletions();
    }

    private int reapCompletions() {
        final XskRing ring = completion;
        final int count = ring.available(ring.size());
        if (count <= 0) {
            return 0;
        }
        final int first = ring.consumerIndex();
        final long[] free = txFree;
        int top = txFreeCount;
        for (int i = 0; i < count; i++) {
            free[top++] = ring.address(first + i) & frameMask;
        }
        txFreeCount = top;
        ring.consumed(count);
        ring.release();
        txOutstanding -= count;
        return count;
    }

    @Override
    public int pollFd() {
        return fd;
    }

    /**
     * Frames the kernel dropped or refused on this socket since open: {@code rx_dropped + rx_ring_full +
     * rx_invalid_descs + tx_invalid_descs} of XDP_STATISTICS, -1 if the statistics cannot be read.
     */
    @Override
    public long kernelDrops() {
        statisticsLength.set(JAVA_INT, 0, XskDescriptor.STATISTICS_SIZE);
        if (Syscalls.getsockopt(callState, fd, Syscalls.SOL_XDP, XskDescriptor.XDP_STATISTICS, statistics,
            statisticsLength) < 0) {
            return -1;
        }
        return statistics.get(JAVA_LONG, XskDescriptor.STAT_RX_DROPPED)
            + statistics.get(JAVA_LONG, XskDescriptor.STAT_RX_RING_FULL)
            + statistics.get(JAVA_LONG, XskDescriptor.STAT_RX_INVALID_DESCS)
            + statistics.get(JAVA_LONG, XskDescriptor.STAT_TX_INVALID_DESCS);
    }

    /** Times the fill ring was empty when a frame arrived (the agent held too many frames), since open. */
    public long fillRingEmpty() {
        statisticsLength.set(JAVA_INT, 0, XskDescriptor.STATISTICS_SIZE);
        if (Syscalls.getsockopt(callState, fd, Syscalls.SOL_XDP, XskDescriptor.XDP_STATISTICS, statistics,
            statisticsLength) < 0) {
            return -1;
        }
        return statistics.get(JAVA_LONG, XskDescriptor.STAT_RX_FILL_RING_EMPTY_DESCS);
    }

    /** Failed TX kicks other than the expected EAGAIN/EBUSY/ENOBUFS back-pressure. */
    public long kickErrors() {
        return kickErrors;
    }

    /** Transmit frames free right now (not on the TX or completion ring). */
    public int freeTransmitFrames() {
        return txFreeCount;
    }

    /** Whether the socket runs in zero-copy mode. */
    public boolean zeroCopy() {
        return zeroCopy;
    }

    /** The shared XDP program of this port's interface. */
    public XdpProgramHandle program() {
        return program;
    }

    /** How the program was attached, e.g. {@code native (drv) via bpf_link}. */
    public String attachDescription() {
        return program.description();
    }

    /**
     * Replaces the owned IPv4 addresses (big-endian ints) of this port's interface: they apply to every queue
     * of the interface. Not for the agent thread (bpf system calls).
     */
    public void updateOwnedAddresses(final int[] ipv4) {
        program.updateOwnedAddresses(ipv4);
    }

    public XdpConfiguration configuration() {
        return configuration;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        program.unregisterSocket(configuration.queueId());
        resources.close();
        program.release();
    }

    private void primeFillRing() {
        final int frames = configuration.rxFrameCount();
        final int free = fill.free(frames);
        if (free < frames) {
            throw new XdpSetupException("fill ring has " + free + " free slots for " + frames + " receive frames", 0);
        }
        final int first = fill.producerIndex();
        for (int i = 0; i < frames; i++) {
            fill.setAddress(first + i, (long) i * frameSize);
        }
        fill.produced(frames);
        fill.submit();
    }

    // ---- interface facts (setup) ----

    private static long interfaceMac(final Arena arena, final MemorySegment callState, final String interfaceName) {
        final MemorySegment ifreq = ifreqCall(arena, callState, interfaceName, Syscalls.SIOCGIFHWADDR, "SIOCGIFHWADDR");
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = mac << 8 | (ifreq.get(JAVA_BYTE, IFREQ_DATA + 2 + i) & 0xff);
        }
        return mac;
    }

    private static int interfaceMtu(final Arena arena, final MemorySegment callState, final String interfaceName) {
        return ifreqCall(arena, callState, interfaceName, Syscalls.SIOCGIFMTU, "SIOCGIFMTU").get(JAVA_INT, IFREQ_DATA);
    }

    private static MemorySegment ifreqCall(final Arena arena, final MemorySegment callState, final String interfaceName,
                                           final int request, final String requestName) {
        final int socket = Syscalls.socket(callState, Syscalls.AF_INET, Syscalls.SOCK_DGRAM | Syscalls.SOCK_CLOEXEC, 0);
        if (socket < 0) {
            final int errno = Syscalls.errno(callState);
            throw new XdpSetupException("socket(AF_INET, SOCK_DGRAM) for " + requestName + " failed: "
                + Syscalls.describe(errno), errno);
        }
        try {
            final MemorySegment ifreq = arena.allocate(Syscalls.IFREQ_SIZE, 8);
            final byte[] nameBytes = interfaceName.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(nameBytes, 0, ifreq, JAVA_BYTE, 0, nameBytes.length);
            if (Syscalls.ioctl(callState, socket, request, ifreq) < 0) {
                final int errno = Syscalls.errno(callState);
                throw new XdpSetupException(requestName + " on " + interfaceName + " failed: " + Syscalls.describe(errno), errno);
            }
            return ifreq;
        } finally {
            Syscalls.close(callState, socket);
        }
    }

    /** The socket, UMEM and ring mappings while they are being created, and their release. */
    private static final class Resources {
        final Arena arena;
        final MemorySegment callState;
        int fd = -1;
        MemorySegment umem = MemorySegment.NULL;
        MemorySegment rxMapping = MemorySegment.NULL;
        MemorySegment txMapping = MemorySegment.NULL;
        MemorySegment fillMapping = MemorySegment.NULL;
        MemorySegment completionMapping = MemorySegment.NULL;
        XskRing rx;
        XskRing tx;
        XskRing fill;
        XskRing completion;
        boolean zeroCopy;
        boolean needWakeup;

        Resources(final Arena arena, final MemorySegment callState) {
            this.arena = arena;
            this.callState = callState;
        }

        void create(final XdpConfiguration configuration) {
            final String where = configuration.interfaceName() + " queue " + configuration.queueId();
            fd = Syscalls.socket(callState, Syscalls.AF_XDP, Syscalls.SOCK_RAW | Syscalls.SOCK_CLOEXEC, 0);
            check(fd, "socket(AF_XDP) for " + where + " (needs Linux 4.18+ with CONFIG_XDP_SOCKETS and CAP_NET_RAW)");
            final long umemSize = (long) configuration.frameCount() * configuration.frameSize();
            umem = Syscalls.mmap(callState, umemSize, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS | Syscalls.MAP_POPULATE, -1, 0);
            if (umem.address() == 0) {
                check(-1, "mmap of the " + umemSize + "-byte UMEM for " + where);
            }
            final MemorySegment scratch = arena.allocate(XskDescriptor.MMAP_OFFSETS_SIZE, 8);
            scratch.set(JAVA_LONG, XskDescriptor.UMEM_REG_ADDR, umem.address());
            scratch.set(JAVA_LONG, XskDescriptor.UMEM_REG_LEN, umemSize);
            scratch.set(JAVA_INT, XskDescriptor.UMEM_REG_CHUNK_SIZE, configuration.frameSize());
            scratch.set(JAVA_INT, XskDescriptor.UMEM_REG_HEADROOM, 0);
            check(Syscalls.setsockopt(callState, fd, Syscalls.SOL_XDP, XskDescriptor.XDP_UMEM_REG, scratch,
                XskDescriptor.UMEM_REG_SIZE), "XDP_UMEM_REG (" + configuration.frameCount() + " x " + configuration.frameSize()
                + " bytes; is RLIMIT_MEMLOCK too low?) for " + where);
            setRingSize(scratch, XskDescriptor.XDP_UMEM_FILL_RING, configuration.fillRingSize(), "XDP_UMEM_FILL_RING", where);
            setRingSize(scratch, XskDescriptor.XDP_UMEM_COMPLETION_RING, configuration.completionRingSize(),
                "XDP_UMEM_COMPLETION_RING", where);
            setRingSize(scratch, XskDescriptor.XDP_RX_RING, configuration.rxRingSize(), "XDP_RX_RING", where);
            setRingSize(scratch, XskDescriptor.XDP_TX_RING, configuration.txRingSize(), "XDP_TX_RING", where);

            final MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, XskDescriptor.MMAP_OFFSETS_SIZE);
            scratch.fill((byte) 0);
            check(Syscalls.getsockopt(callState, fd, Syscalls.SOL_XDP, XskDescriptor.XDP_MMAP_OFFSETS, scratch, length),
                "getsockopt(XDP_MMAP_OFFSETS) for " + where);
            final int offsetsSize = length.get(JAVA_INT, 0);
            final boolean hasFlags;
            final int stride;
            if (offsetsSize == XskDescriptor.MMAP_OFFSETS_SIZE) {
                hasFlags = true;
                stride = XskDescriptor.RING_OFFSET_SIZE;
            } else if (offsetsSize == XskDescriptor.MMAP_OFFSETS_V1_SIZE) {
                hasFlags = false;
                stride = XskDescriptor.RING_OFFSET_V1_SIZE;
            } else {
                throw new XdpSetupException("unknown struct xdp_mmap_offsets size " + offsetsSize + " on " + where, 0);
            }
            rxMapping = mapRing(scratch, stride, XskDescriptor.RING_RX, configuration.rxRingSize(), XskDescriptor.DESC_SIZE,
                XskDescriptor.XDP_PGOFF_RX_RING, "RX", where);
            rx = ring(rxMapping, scratch, stride, hasFlags, XskDescriptor.RING_RX, configuration.rxRingSize(), false);
            txMapping = mapRing(scratch, stride, XskDescriptor.RING_TX, configuration.txRingSize(), XskDescriptor.DESC_SIZE,
                XskDescriptor.XDP_PGOFF_TX_RING, "TX", where);
            tx = ring(txMapping, scratch, stride, hasFlags, XskDescriptor.RING_TX, configuration.txRingSize(), true);
            fillMapping = mapRing(scratch, stride, XskDescriptor.RING_FILL, configuration.fillRingSize(),
                XskDescriptor.ADDR_SIZE, XskDescriptor.XDP_UMEM_PGOFF_FILL_RING, "fill", where);
            fill = ring(fillMapping, scratch, stride, hasFlags, XskDescriptor.RING_FILL, configuration.fillRingSize(), true);
            completionMapping = mapRing(scratch, stride, XskDescriptor.RING_COMPLETION, configuration.completionRingSize(),
                XskDescriptor.ADDR_SIZE, XskDescriptor.XDP_UMEM_PGOFF_COMPLETION_RING, "completion", where);
            completion = ring(completionMapping, scratch, stride, hasFlags, XskDescriptor.RING_COMPLETION,
                configuration.completionRingSize(), false);
            needWakeup = hasFlags;
        }

        void bind(final XdpConfiguration configuration, final int ifIndex, final XdpConfiguration.Mode mode) {
            final String where = configuration.interfaceName() + " queue " + configuration.queueId();
            int flags = needWakeup ? XskDescriptor.XDP_USE_NEED_WAKEUP : 0;
            final XdpConfiguration.ZeroCopy zc = configuration.zeroCopy();
            if (zc == XdpConfiguration.ZeroCopy.ON) {
                flags |= XskDescriptor.XDP_ZEROCOPY;
            } else if (zc == XdpConfiguration.ZeroCopy.OFF || mode == XdpConfiguration.Mode.GENERIC) {
                // generic XDP copies the frame into the UMEM anyway
                flags |= XskDescriptor.XDP_COPY;
            }
            // Neither flag: the kernel tries zero-copy and falls back to copy where the driver has none.
            final MemorySegment address = arena.allocate(XskDescriptor.SOCKADDR_SIZE, 8);
            address.set(JAVA_SHORT, XskDescriptor.SOCKADDR_FAMILY, (short) Syscalls.AF_XDP);
            address.set(JAVA_SHORT, XskDescriptor.SOCKADDR_FLAGS, (short) flags);
            address.set(JAVA_INT, XskDescriptor.SOCKADDR_IFINDEX, ifIndex);
            address.set(JAVA_INT, XskDescriptor.SOCKADDR_QUEUE_ID, configuration.queueId());
            // A socket closed just before releases its queue from a kernel work item: retry EBUSY briefly.
            final long deadlineNs = System.nanoTime() + BIND_BUSY_RETRY_NS;
            int result;
            while ((result = Syscalls.bind(callState, fd, address, XskDescriptor.SOCKADDR_SIZE)) < 0
                && Syscalls.errno(callState) == Syscalls.EBUSY && System.nanoTime() < deadlineNs) {
                sleepMs(2);
            }
            if (result < 0) {
                final int errno = Syscalls.errno(callState);
                final String hint = switch (errno) {
                    case Syscalls.EOPNOTSUPP -> zc == XdpConfiguration.ZeroCopy.ON
                        ? " (the driver has no AF_XDP zero-copy; use zero-copy auto or off)" : "";
                    case Syscalls.EBUSY -> " (another AF_XDP socket is bound to this queue, in this or another process)";
                    case 22 -> " (no such queue? queue ids go up to the interface's combined channels - 1)";
                    default -> "";
                };
                throw new XdpSetupException("bind(AF_XDP) to " + where + " failed: " + Syscalls.describe(errno) + hint, errno);
            }
            final MemorySegment options = arena.allocate(JAVA_INT);
            final MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, 4);
            zeroCopy = Syscalls.getsockopt(callState, fd, Syscalls.SOL_XDP, XDP_OPTIONS, options, length) == 0
                && (options.get(JAVA_INT, 0) & XDP_OPTIONS_ZEROCOPY) != 0;
        }

        private static void sleepMs(final long ms) {
            try {
                Thread.sleep(ms);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new XdpSetupException("interrupted while waiting for the queue to become free", Syscalls.EINTR, e);
            }
        }

        private void setRingSize(final MemorySegment scratch, final int option, final int size, final String optionName,
                                 final String where) {
            check(Syscalls.setsockoptInt(callState, scratch, fd, Syscalls.SOL_XDP, option, size),
                optionName + " = " + size + " for " + where);
        }

        private MemorySegment mapRing(final MemorySegment offsets, final int stride, final int ring, final int size,
                                      final int entrySize, final long pageOffset, final String ringName, final String where) {
            final long desc = offsets.get(JAVA_LONG, (long) ring * stride + XskDescriptor.RING_OFFSET_DESC);
            final long length = desc + (long) size * entrySize;
            final MemorySegment mapping = Syscalls.mmap(callState, length, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_SHARED | Syscalls.MAP_POPULATE, fd, pageOffset);
            if (mapping.address() == 0) {
                check(-1, "mmap of the " + ringName + " ring for " + where);
            }
            return mapping;
        }

        private static XskRing ring(final MemorySegment mapping, final MemorySegment offsets, final int stride,
                                    final boolean hasFlags, final int ring, final int size, final boolean producerSide) {
            final long base = (long) ring * stride;
            final long producer = offsets.get(JAVA_LONG, base + XskDescriptor.RING_OFFSET_PRODUCER);
            final long consumer = offsets.get(JAVA_LONG, base + XskDescriptor.RING_OFFSET_CONSUMER);
            final long flags = hasFlags ? offsets.get(JAVA_LONG, base + XskDescriptor.RING_OFFSET_FLAGS) : -1L;
            final long desc = offsets.get(JAVA_LONG, base + XskDescriptor.RING_OFFSET_DESC);
            return new XskRing(mapping, producer, consumer, flags, desc, size, producerSide);
        }

        private void check(final long result, final String step) {
            if (result < 0) {
                final int errno = Syscalls.errno(callState);
                throw new XdpSetupException(step + " failed: " + Syscalls.describe(errno), errno);
            }
        }

        void close() {
            for (final MemorySegment mapping : new MemorySegment[] {rxMapping, txMapping, fillMapping, completionMapping}) {
                if (mapping.address() != 0) {
                    Syscalls.munmap(callState, mapping);
                }
            }
            if (fd >= 0) {
                Syscalls.close(callState, fd);
            }
            if (umem.address() != 0) {
                Syscalls.munmap(callState, umem);
            }
            arena.close();
        }
    }
}
