package io.fulcrum.forwarder.io.afpacket;

import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.ETH_P_ALL_BE;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.IFR_HWADDR_DATA_OFFSET;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.IFR_UNION_OFFSET;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.LEN_OFFSET;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.MAC_OFFSET;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.SNAPLEN_OFFSET;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.STATUS_OFFSET;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.TP_STATUS_AVAILABLE;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.TP_STATUS_CSUMNOTREADY;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.TP_STATUS_KERNEL;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.TP_STATUS_SEND_REQUEST;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.TP_STATUS_USER;
import static io.fulcrum.forwarder.io.afpacket.TpacketDescriptor.TX_DATA_OFFSET;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.Offload;
import io.fulcrum.forwarder.io.PacketIo;
import io.fulcrum.forwarder.io.sys.Syscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The AF_PACKET fallback {@link PacketIo}: a TPACKET_V2 RX ring and a TPACKET_V2 TX ring on two sockets bound
 * to one interface, both mapped into this process (layouts in {@link TpacketDescriptor}).
 *
 * <ul>
 *   <li>RX: {@code socket(AF_PACKET, SOCK_RAW, 0)} (protocol 0 so nothing is queued before the bind), V2 ring,
 *       {@code PACKET_IGNORE_OUTGOING}, bound to {@code ETH_P_ALL} on the interface, optionally joined to a
 *       {@code PACKET_FANOUT} group so several agents split the interface's frames (in a CBPF group the
 *       program is set with {@code PACKET_FANOUT_DATA} right after joining). V2 rather than V3 because V3
 *       hands frames over per retired block, which cost ~10x in connection rate when measured.</li>
 *   <li>TX: a second protocol-0 socket (it never receives) with {@code PACKET_QDISC_BYPASS} (configurable),
 *       {@code PACKET_LOSS} (a malformed frame is skipped instead of wedging the ring) and a V2 TX ring.
 *       {@link #transmit} copies into the next free slot; {@link #flush} kicks the kernel once per batch.</li>
 * </ul>
 *
 * <p><b>Virtio headers</b> ({@link AfPacketConfiguration#vnetHeader()}, {@code PACKET_VNET_HDR}): as tap/virtio and
 * QEMU use packet sockets. Senders with TSO/GSO and checksum offload (veth's defaults) hand the kernel 64 KiB GSO
 * super-frames with partial checksums; without the header AF_PACKET copies the first frame-size bytes of them and
 * nothing can forward them. With it, every RX frame brings its {@link Offload} word (into {@link FrameBatch}) and
 * every TX frame is sent with one: partial checksums and GSO go back to the kernel, which segments (or lets the
 * next device segment) on the way out. The frames are then {@link AfPacketConfiguration#VNET_FRAME_SIZE} bytes.
 *
 * <p>The kernel stack still sees every received frame: the LB namespace needs {@code ip_forward=0}, no owned
 * address on a kernel interface and GRO/LRO off ({@link AfPacketChecks}).
 *
 * <p>Single-threaded like every {@link PacketIo}; {@link #open} may run on another thread than the agent (the
 * sockets live in the network namespace of the thread that opens the port). The ring mappings are scoped to a
 * shared arena that {@link #close()} closes first, so a use after close fails with an exception instead of
 * touching unmapped memory.
 */
public final class AfPacketIo implements PacketIo {
    private static final VarHandle STATUS = JAVA_INT.varHandle().withInvokeExactBehavior();
    private static final int ETH_HEADER_LENGTH = 14;
    /** Room for one 802.1Q tag on top of MTU + Ethernet header, as the kernel allows on TX. */
    private static final int VLAN_HEADER_LENGTH = 4;
    private static final int TCP_CHECKSUM_OFFSET = 16;
    private static final ValueLayout.OfShort JAVA_SHORT_UNALIGNED = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final AfPacketConfiguration configuration;
    private final String name;
    private final int ifIndex;
    private final Arena arena;
    private final MemorySegment callState;
    private final MemorySegment statistics;
    private final MemorySegment statisticsLength;
    private final int frameMask;
    private final int frameShift;
    private final boolean vnet;
    private final int txDataOffset;
    private int rxFd = -1;
    private int txFd = -1;
    private MemorySegment rxMapping = MemorySegment.NULL;
    private MemorySegment txMapping = MemorySegment.NULL;
    private MemorySegment rxRing = MemorySegment.NULL;
    private MemorySegment txRing = MemorySegment.NULL;
    private long macAddress;
    private int mtu;
    private int maxTransmitLength;
    private int maxGsoTransmitLength;

    private int rxHead;
    private int rxOutstanding;
    private int txHead;
    private int txQueued;
    private long kernelDrops;
    private long kernelPackets;
    private long txKickRetries;
    private long txKickErrors;
    private int lastKickErrno;
    private boolean closed;

    private AfPacketIo(final AfPacketConfiguration configuration, final int ifIndex) {
        this.configuration = configuration;
        this.ifIndex = ifIndex;
        this.name = "af_packet:" + configuration.interfaceName()
            + (configuration.hasFanout()
               ? " fanout " + configuration.fanoutGroupId() + "/" + configuration.fanoutMode().name().toLowerCase()
                 + (configuration.fanoutProgram() != null ? "(" + configuration.fanoutProgram().size() + " insns)" : "")
               : "")
            + (configuration.qdiscBypass() ? " qdisc-bypass" : "")
            + (configuration.vnetHeader() ? " vnet-hdr" : "");
        this.arena = Arena.ofShared();
        this.callState = Syscalls.newCallState(arena);
        this.statistics = arena.allocate(TpacketDescriptor.STATS_SIZE, 8);
        this.statisticsLength = arena.allocate(JAVA_INT);
        this.frameMask = configuration.frameCount() - 1;
        this.frameShift = Integer.numberOfTrailingZeros(configuration.frameSize());
        this.vnet = configuration.vnetHeader();
        this.txDataOffset = TX_DATA_OFFSET + (vnet ? TpacketDescriptor.VNET_HDR_LENGTH : 0);
    }

    /**
     * Opens a port on {@code configuration.interfaceName()} in the calling thread's network namespace.
     *
     * @throws IllegalArgumentException if there is no such interface.
     * @throws IllegalStateException    if a socket, ring or mapping cannot be set up; the message names the step
     *                                  and the errno text (e.g. EPERM without CAP_NET_RAW).
     */
    public static AfPacketIo open(final AfPacketConfiguration configuration) {
        final int ifIndex = Syscalls.ifNameToIndex(configuration.interfaceName());
        if (ifIndex == 0) {
            throw new IllegalArgumentException("no such interface '" + configuration.interfaceName()
                + "' in this network namespace (see `ip link`)");
        }
        final AfPacketIo io = new AfPacketIo(configuration, ifIndex);
        try {
            io.setUp();
            return io;
        } catch (final RuntimeException e) {
            io.close();
            throw e;
        }
    }

    private void setUp() {
        final MemorySegment scratch = arena.allocate(64, 8);
        final int frameCount = configuration.frameCount();
        final int frameSize = configuration.frameSize();
        final int blockSize = TpacketDescriptor.blockSize(frameCount, frameSize);
        final long ringBytes = (long) frameCount * frameSize;

        rxFd = check(Syscalls.socket(callState, Syscalls.AF_PACKET, Syscalls.SOCK_RAW | Syscalls.SOCK_CLOEXEC, 0),
            "socket(AF_PACKET, SOCK_RAW) for RX (AF_PACKET needs CAP_NET_RAW)");
        setInt(scratch, rxFd, TpacketDescriptor.PACKET_VERSION, TpacketDescriptor.TPACKET_V2, "PACKET_VERSION=TPACKET_V2 (RX)");
        if (vnet) {
            setInt(scratch, rxFd, TpacketDescriptor.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR (RX)");
        }
        ringRequest(scratch, rxFd, TpacketDescriptor.PACKET_RX_RING, blockSize, frameCount, frameSize, "PACKET_RX_RING");
        rxMapping = map(rxFd, ringBytes, "RX ring");
        rxRing = rxMapping.reinterpret(ringBytes, arena, null);
        setInt(scratch, rxFd, TpacketDescriptor.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
        bindTo(scratch, rxFd, ETH_P_ALL_BE, "RX (ETH_P_ALL)");
        if (configuration.hasFanout()) {
            setInt(scratch, rxFd, TpacketDescriptor.PACKET_FANOUT,
                configuration.fanoutGroupId() | configuration.fanoutMode().kernelValue() << 16,
                "PACKET_FANOUT group " + configuration.fanoutGroupId() + " mode " + configuration.fanoutMode()
                    + " (all members must use the same mode)");
            if (configuration.fanoutProgram() != null) {
                setFanoutProgram(scratch, configuration.fanoutProgram());
            }
        }

        txFd = check(Syscalls.socket(callState, Syscalls.AF_PACKET, Syscalls.SOCK_RAW | Syscalls.SOCK_CLOEXEC, 0),
            "socket(AF_PACKET, SOCK_RAW) for TX (AF_PACKET needs CAP_NET_RAW)");
        setInt(scratch, txFd, TpacketDescriptor.PACKET_VERSION, TpacketDescriptor.TPACKET_V2, "PACKET_VERSION=TPACKET_V2 (TX)");
        if (configuration.qdiscBypass()) {
            setInt(scratch, txFd, TpacketDescriptor.PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
        }
        setInt(scratch, txFd, TpacketDescriptor.PACKET_LOSS, 1, "PACKET_LOSS");
        if (vnet) {
            setInt(scratch, txFd, TpacketDescriptor.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR (TX)");
        }
        ringRequest(scratch, txFd, TpacketDescriptor.PACKET_TX_RING, blockSize, frameCount, frameSize, "PACKET_TX_RING");
        txMapping = map(txFd, ringBytes, "TX ring");
        txRing = txMapping.reinterpret(ringBytes, arena, null);
        bindTo(scratch, txFd, (short) 0, "TX (protocol 0)");

        macAddress = readMacAddress();
        mtu = readMtu();
        maxTransmitLength = Math.min(frameSize - txDataOffset, mtu + ETH_HEADER_LENGTH + VLAN_HEADER_LENGTH);
        maxGsoTransmitLength = vnet ? frameSize - txDataOffset : 0;
    }

    /** PACKET_FANOUT_DATA: the group's classic BPF program (the kernel copies it; the last member's call wins). */
    private void setFanoutProgram(final MemorySegment scratch, final CbpfProgram program) {
        try (Arena local = Arena.ofConfined()) {
            final MemorySegment filter = program.encode(local);
            scratch.fill((byte) 0);
            scratch.set(JAVA_SHORT, TpacketDescriptor.SOCK_FPROG_LEN_OFFSET, (short) program.size());
            scratch.set(ValueLayout.ADDRESS, TpacketDescriptor.SOCK_FPROG_FILTER_OFFSET, filter);
            check(Syscalls.setsockopt(callState, rxFd, Syscalls.SOL_PACKET, TpacketDescriptor.PACKET_FANOUT_DATA, scratch,
                TpacketDescriptor.SOCK_FPROG_SIZE), "setsockopt PACKET_FANOUT_DATA (classic BPF program of "
                + program.size() + " instructions)");
        }
    }

    private void setInt(final MemorySegment scratch, final int fd, final int option, final int value, final String what) {
        check(Syscalls.setsockoptInt(callState, scratch, fd, Syscalls.SOL_PACKET, option, value), "setsockopt " + what);
    }

    private void ringRequest(final MemorySegment scratch, final int fd, final int option, final int blockSize,
                             final int frameCount, final int frameSize, final String what) {
        scratch.set(JAVA_INT, TpacketDescriptor.REQ_BLOCK_SIZE_OFFSET, blockSize);
        scratch.set(JAVA_INT, TpacketDescriptor.REQ_BLOCK_NR_OFFSET, (int) ((long) frameCount * frameSize / blockSize));
        scratch.set(JAVA_INT, TpacketDescriptor.REQ_FRAME_SIZE_OFFSET, frameSize);
        scratch.set(JAVA_INT, TpacketDescriptor.REQ_FRAME_NR_OFFSET, frameCount);
        check(Syscalls.setsockopt(callState, fd, Syscalls.SOL_PACKET, option, scratch, TpacketDescriptor.REQ_SIZE),
            "setsockopt " + what + " (" + frameCount + " frames of " + frameSize + " bytes, blocks of " + blockSize + ")");
    }

    private MemorySegment map(final int fd, final long bytes, final String what) {
        final MemorySegment mapping = Syscalls.mmap(callState, bytes, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
            Syscalls.MAP_SHARED | Syscalls.MAP_POPULATE, fd, 0);
        if (mapping.equals(MemorySegment.NULL)) {
            throw failure("mmap " + what + " (" + bytes + " bytes)");
        }
        return mapping;
    }

    private void bindTo(final MemorySegment scratch, final int fd, final short protocolBigEndian, final String what) {
        scratch.fill((byte) 0);
        scratch.set(JAVA_SHORT, TpacketDescriptor.SLL_FAMILY_OFFSET, (short) Syscalls.AF_PACKET);
        scratch.set(JAVA_SHORT, TpacketDescriptor.SLL_PROTOCOL_OFFSET, protocolBigEndian);
        scratch.set(JAVA_INT, TpacketDescriptor.SLL_IFINDEX_OFFSET, ifIndex);
        check(Syscalls.bind(callState, fd, scratch, TpacketDescriptor.SLL_SIZE), "bind " + what);
    }

    private long readMacAddress() {
        final MemorySegment ifreq = newIfreq();
        check(Syscalls.ioctl(callState, rxFd, Syscalls.SIOCGIFHWADDR, ifreq), "ioctl SIOCGIFHWADDR");
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = mac << 8 | Byte.toUnsignedLong(ifreq.get(JAVA_BYTE, IFR_HWADDR_DATA_OFFSET + i));
        }
        return mac;
    }

    private int readMtu() {
        final MemorySegment ifreq = newIfreq();
        check(Syscalls.ioctl(callState, rxFd, Syscalls.SIOCGIFMTU, ifreq), "ioctl SIOCGIFMTU");
        return ifreq.get(JAVA_INT, IFR_UNION_OFFSET);
    }

    private MemorySegment newIfreq() {
        final MemorySegment ifreq = arena.allocate(Syscalls.IFREQ_SIZE, 8);
        ifreq.setString(0, configuration.interfaceName());
        return ifreq;
    }

    private int check(final int result, final String what) {
        if (result < 0) {
            throw failure(what);
        }
        return result;
    }

    private IllegalStateException failure(final String what) {
        return new IllegalStateException(configuration.interfaceName() + ": " + what + " failed: "
            + Syscalls.describe(Syscalls.errno(callState)));
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
        final MemorySegment ring = rxRing;
        final int mask = frameMask;
        final int shift = frameShift;
        if (batch.count() != 0 && batch.memory() == ring) {
            // Resetting it would leak its slots: they would stay USER forever and the ring would shrink.
            throw new IllegalStateException("receive into a batch that was not released: " + name);
        }
        batch.reset(ring);
        // Slots handed out and not yet released are still USER: never hand them out twice.
        final int limit = Math.min(batch.capacity(), mask + 1 - rxOutstanding);
        int head = rxHead;
        int received = 0;
        while (received < limit) {
            final long frameOffset = (long) head << shift;
            final int status = (int) STATUS.getAcquire(ring, frameOffset + STATUS_OFFSET);
            if ((status & TP_STATUS_USER) == 0) {
                break;
            }
            final int length = ring.get(JAVA_INT, frameOffset + LEN_OFFSET);
            final int snapLength = ring.get(JAVA_INT, frameOffset + SNAPLEN_OFFSET);
            final int macOffset = Short.toUnsignedInt(ring.get(JAVA_SHORT, frameOffset + MAC_OFFSET));
            int flags = 0;
            if ((status & TP_STATUS_CSUMNOTREADY) != 0) {
                flags |= FrameBatch.FLAG_CSUM_NOT_READY;
            }
            if (snapLength < length) {
                flags |= FrameBatch.FLAG_TRUNCATED;
            }
            final long offload = vnet ? readVnetHeader(ring, frameOffset + macOffset - TpacketDescriptor.VNET_HDR_LENGTH)
                : Offload.NONE;
            batch.add(frameOffset + macOffset, snapLength, flags, head, offload);
            head = (head + 1) & mask;
            received++;
        }
        rxHead = head;
        rxOutstanding += received;
        return received;
    }

    /** The virtio_net_hdr the kernel wrote before the frame, as an {@link Offload} word (host byte order). */
    private static long readVnetHeader(final MemorySegment ring, final long at) {
        final int flags = Byte.toUnsignedInt(ring.get(JAVA_BYTE, at + TpacketDescriptor.VNET_FLAGS_OFFSET));
        final int gsoType = Byte.toUnsignedInt(ring.get(JAVA_BYTE, at + TpacketDescriptor.VNET_GSO_TYPE_OFFSET));
        if ((flags | gsoType) == 0) {
            return Offload.NONE;
        }
        return Offload.of(flags, gsoType,
            Short.toUnsignedInt(ring.get(JAVA_SHORT_UNALIGNED, at + TpacketDescriptor.VNET_GSO_SIZE_OFFSET)),
            Short.toUnsignedInt(ring.get(JAVA_SHORT_UNALIGNED, at + TpacketDescriptor.VNET_CSUM_START_OFFSET)),
            Short.toUnsignedInt(ring.get(JAVA_SHORT_UNALIGNED, at + TpacketDescriptor.VNET_CSUM_OFFSET_OFFSET)));
    }

    @Override
    public void releaseRx(final FrameBatch batch) {
        final int count = batch.count();
        if (count == 0) {
            return;
        }
        final MemorySegment ring = rxRing;
        if (batch.memory() != ring) {
            throw new IllegalArgumentException("batch was not filled by " + name);
        }
        final int shift = frameShift;
        for (int i = 0; i < count; i++) {
            STATUS.setRelease(ring, (batch.handle(i) << shift) + STATUS_OFFSET, TP_STATUS_KERNEL);
        }
        rxOutstanding -= count;
        batch.clear();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Also false for a frame shorter than an Ethernet header or longer than {@link #maxTransmitLength()}
     * (the kernel would drop it under PACKET_LOSS). With virtio headers the frame goes out with an empty one.
     */
    @Override
    public boolean transmit(final MemorySegment frame, final long offset, final int length) {
        return transmit(frame, offset, length, Offload.NONE);
    }

    /**
     * {@inheritDoc}
     *
     * <p>With virtio headers the offload word becomes the frame's virtio_net_hdr (DATA_VALID dropped, header length
     * derived from the frame), and a GSO frame may be as long as a TX slot holds; without them this is the
     * interface's default (software checksum, no GSO).
     */
    @Override
    public boolean transmit(final MemorySegment frame, final long offset, final int length, final long offload) {
        if (!vnet) {
            return offload == Offload.NONE ? transmitPlain(frame, offset, length)
                : PacketIo.super.transmit(frame, offset, length, offload);
        }
        final boolean gso = Offload.isGso(offload);
        if (length > (gso ? maxGsoTransmitLength : maxTransmitLength) || length < ETH_HEADER_LENGTH) {
            return false;
        }
        int headerLength = 0;
        int flags = 0;
        if (Offload.needsChecksum(offload)) {
            final int start = Offload.csumStart(offload);
            headerLength = start + Offload.csumOffset(offload) + 2;
            if (headerLength > length) {
                return false;
            }
            if (gso && Offload.csumOffset(offload) == TCP_CHECKSUM_OFFSET) {
                // The TCP header: the kernel reads hdr_len as the linear part to copy first.
                final int dataOffset = Byte.toUnsignedInt(frame.get(JAVA_BYTE, offset + start + 12)) >>> 4;
                headerLength = Math.min(length, start + (dataOffset << 2));
            }
            flags = Offload.F_NEEDS_CSUM;
        } else if (gso) {
            // GSO needs the partial checksum: the kernel fixes each segment's checksum from it.
            return false;
        }
        final MemorySegment ring = txRing;
        final long slotOffset = freeTxSlot();
        if (slotOffset < 0) {
            return false;
        }
        final long header = slotOffset + TX_DATA_OFFSET;
        ring.set(JAVA_BYTE, header + TpacketDescriptor.VNET_FLAGS_OFFSET, (byte) flags);
        ring.set(JAVA_BYTE, header + TpacketDescriptor.VNET_GSO_TYPE_OFFSET, (byte) (gso ? Offload.gsoType(offload) : 0));
        ring.set(JAVA_SHORT_UNALIGNED, header + TpacketDescriptor.VNET_HDR_LEN_OFFSET, (short) headerLength);
        ring.set(JAVA_SHORT_UNALIGNED, header + TpacketDescriptor.VNET_GSO_SIZE_OFFSET,
            (short) (gso ? Offload.gsoSize(offload) : 0));
        ring.set(JAVA_SHORT_UNALIGNED, header + TpacketDescriptor.VNET_CSUM_START_OFFSET,
            (short) (flags != 0 ? Offload.csumStart(offload) : 0));
        ring.set(JAVA_SHORT_UNALIGNED, header + TpacketDescriptor.VNET_CSUM_OFFSET_OFFSET,
            (short) (flags != 0 ? Offload.csumOffset(offload) : 0));
        MemorySegment.copy(frame, offset, ring, header + TpacketDescriptor.VNET_HDR_LENGTH, length);
        queueTxSlot(slotOffset, TpacketDescriptor.VNET_HDR_LENGTH + length);
        return true;
    }

    private boolean transmitPlain(final MemorySegment frame, final long offset, final int length) {
        if (length > maxTransmitLength || length < ETH_HEADER_LENGTH) {
            return false;
        }
        final long slotOffset = freeTxSlot();
        if (slotOffset < 0) {
            return false;
        }
        MemorySegment.copy(frame, offset, txRing, slotOffset + TX_DATA_OFFSET, length);
        queueTxSlot(slotOffset, length);
        return true;
    }

    /** The offset of the TX slot at the head if the kernel gave it back (AVAILABLE), else -1 (ring full). */
    private long freeTxSlot() {
        final long slotOffset = (long) txHead << frameShift;
        return (int) STATUS.getAcquire(txRing, slotOffset + STATUS_OFFSET) == TP_STATUS_AVAILABLE ? slotOffset : -1;
    }

    /** Hands the head slot, filled with {@code length} bytes, to the kernel for the next kick. */
    private void queueTxSlot(final long slotOffset, final int length) {
        txRing.set(JAVA_INT, slotOffset + LEN_OFFSET, length);
        STATUS.setRelease(txRing, slotOffset + STATUS_OFFSET, TP_STATUS_SEND_REQUEST);
        txHead = (txHead + 1) & frameMask;
        txQueued++;
    }

    /**
     * {@inheritDoc}
     *
     * <p>One {@code sendto(MSG_DONTWAIT)} for everything queued since the last successful kick. On EAGAIN or
     * ENOBUFS the frames stay queued in the ring and the next flush kicks again; other errors (interface down)
     * are counted in {@link #txKickErrors()}. Transmit slots come back when the kernel frees the sent skbs, so
     * there is nothing to reap.
     */
    @Override
    public int flush() {
        final int queued = txQueued;
        if (queued == 0) {
            return 0;
        }
        if (Syscalls.kick(callState, txFd) >= 0) {
            txQueued = 0;
            return queued;
        }
        final int errno = Syscalls.errno(callState);
        lastKickErrno = errno;
        if (errno == Syscalls.EAGAIN || errno == Syscalls.ENOBUFS || errno == Syscalls.EINTR) {
            txKickRetries++;
            return queued;
        }
        txKickErrors++;
        return 0;
    }

    @Override
    public int pollFd() {
        return rxFd;
    }

    /**
     * Frames the kernel dropped because the RX ring was full, accumulated since open (PACKET_STATISTICS).
     * One getsockopt per call: meant for the stats cadence (e.g. once a second), not per duty cycle.
     */
    @Override
    public long kernelDrops() {
        readStatistics();
        return kernelDrops;
    }

    /** Frames the kernel passed to the RX socket (including the dropped ones), accumulated since open. */
    public long kernelPackets() {
        readStatistics();
        return kernelPackets;
    }

    private void readStatistics() {
        if (closed) {
            return;
        }
        statisticsLength.set(JAVA_INT, 0, TpacketDescriptor.STATS_SIZE);
        if (Syscalls.getsockopt(callState, rxFd, Syscalls.SOL_PACKET, TpacketDescriptor.PACKET_STATISTICS, statistics,
            statisticsLength) == 0) {
            // Reading resets the kernel's counters, so they are accumulated here.
            kernelPackets += Integer.toUnsignedLong(statistics.get(JAVA_INT, TpacketDescriptor.STATS_PACKETS_OFFSET));
            kernelDrops += Integer.toUnsignedLong(statistics.get(JAVA_INT, TpacketDescriptor.STATS_DROPS_OFFSET));
        }
    }

    /** Kicks that hit EAGAIN/ENOBUFS/EINTR and will be retried on the next flush. */
    public long txKickRetries() {
        return txKickRetries;
    }

    /** Kicks that failed otherwise (e.g. ENXIO/ENETDOWN with the interface down); see {@link #lastKickErrno()}. */
    public long txKickErrors() {
        return txKickErrors;
    }

    /** The errno of the last failed kick, 0 if none failed. */
    public int lastKickErrno() {
        return lastKickErrno;
    }

    /** The largest frame {@link #transmit} accepts: the TX slot size minus its header, capped at MTU + 18. */
    public int maxTransmitLength() {
        return maxTransmitLength;
    }

    /** The largest GSO frame {@link #transmit(MemorySegment, long, int, long)} accepts (0 without virtio headers). */
    public int maxGsoTransmitLength() {
        return maxGsoTransmitLength;
    }

    /** True if this port reads and writes virtio net headers (PACKET_VNET_HDR). */
    public boolean vnetHeader() {
        return vnet;
    }

    /** The settings this port was opened with. */
    public AfPacketConfiguration configuration() {
        return configuration;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Invalidate the ring segments before unmapping, so a late access throws instead of faulting.
        arena.close();
        rxRing = MemorySegment.NULL;
        txRing = MemorySegment.NULL;
        try (Arena local = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(local);
            if (!rxMapping.equals(MemorySegment.NULL)) {
                Syscalls.munmap(state, rxMapping);
                rxMapping = MemorySegment.NULL;
            }
            if (!txMapping.equals(MemorySegment.NULL)) {
                Syscalls.munmap(state, txMapping);
                txMapping = MemorySegment.NULL;
            }
            if (rxFd >= 0) {
                Syscalls.close(state, rxFd);
                rxFd = -1;
            }
            if (txFd >= 0) {
                Syscalls.close(state, txFd);
                txFd = -1;
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
