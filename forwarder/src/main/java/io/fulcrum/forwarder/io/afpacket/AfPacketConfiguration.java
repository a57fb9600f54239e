package io.fulcrum.forwarder.io.afpacket;

/**
 * Settings of one AF_PACKET port ({@link AfPacketIo}).
 *
 * @param interfaceName  the interface to bind (at most 15 characters), looked up in the calling thread's namespace.
 * @param frameCount     frames per ring (RX and TX each), a power of two; frameCount * frameSize must be at least 4096.
 * @param frameSize      bytes per ring frame, a power of two in [256, 131072]; an RX frame holds frameSize - 66 bytes
 *                       of packet, a TX frame frameSize - 32 (2048 carries a 1500-byte MTU); with virtio headers
 *                       frameSize - 76 and frameSize - 42.
 * @param fanoutGroupId  the PACKET_FANOUT group that splits the interface's frames between several ports (one per
 *                       agent), in [0, 65535], or {@link #NO_FANOUT}.
 * @param fanoutMode     how the fanout group splits frames (ignored without a group).
 * @param qdiscBypass    PACKET_QDISC_BYPASS on the TX socket: transmit straight to the driver, skipping the qdisc.
 * @param fanoutProgram  the classic BPF program that picks the socket in a {@link FanoutMode#CBPF} group (its
 *                       return value modulo the group's size is the index of the member in joining order), null for
 *                       the other modes.
 * @param vnetHeader     PACKET_VNET_HDR on both sockets: every RX frame comes with the kernel's virtio_net_hdr (GSO
 *                       super-frames of up to 64 KiB and partial checksums arrive whole) and every TX frame is sent
 *                       with one (partial checksums and GSO handed back to the kernel). The frames must then hold a
 *                       whole GSO frame: {@link #VNET_FRAME_SIZE}.
 */
public record AfPacketConfiguration(String interfaceName, int frameCount, int frameSize, int fanoutGroupId,
                                    FanoutMode fanoutMode, boolean qdiscBypass, CbpfProgram fanoutProgram,
                                    boolean vnetHeader) {
    /** {@link #fanoutGroupId} value for a port that receives every frame of its interface. */
    public static final int NO_FANOUT = -1;
    public static final int DEFAULT_FRAME_COUNT = 4096;
    public static final int DEFAULT_FRAME_SIZE = 2048;
    private static final int MAX_INTERFACE_NAME = 15;
    private static final int MIN_FRAME_SIZE = 256;
    /**
     * Ring frame size with virtio headers: a GSO frame of up to 65535 IP bytes (gso_max_size 65536) plus the Ethernet
     * header, the 10-byte virtio header and the tpacket2 header (76 bytes before the frame) does not fit 64 KiB.
     */
    public static final int VNET_FRAME_SIZE = 1 << 17;
    /** Default frames per ring with virtio headers: 256 x 128 KiB = 32 MiB per ring, 64 MiB per port (RX + TX). */
    public static final int DEFAULT_VNET_FRAME_COUNT = 256;
    private static final int MAX_FRAME_SIZE = 1 << 17;
    private static final int MAX_FRAME_COUNT = 1 << 20;

    /** How PACKET_FANOUT picks the socket of a group for a frame. */
    public enum FanoutMode {
        /** PACKET_FANOUT_HASH: by the kernel's flow hash, so all frames of one 5-tuple land on one socket. */
        HASH(TpacketDescriptor.PACKET_FANOUT_HASH),
        /** PACKET_FANOUT_QM: by the NIC's receive queue (follows RSS on multi-queue NICs). */
        QUEUE_MAPPING(TpacketDescriptor.PACKET_FANOUT_QM),
        /**
         * PACKET_FANOUT_CBPF: by a classic BPF program ({@link #fanoutProgram()}), set with PACKET_FANOUT_DATA after
         * joining; e.g. {@link OwnerSteeringProgram}, which sends each frame to the agent owning its flow.
         */
        CBPF(TpacketDescriptor.PACKET_FANOUT_CBPF);

        private final int kernelValue;

        FanoutMode(final int kernelValue) {
            this.kernelValue = kernelValue;
        }

        int kernelValue() {
            return kernelValue;
        }
    }

    public AfPacketConfiguration {
        if (interfaceName == null || interfaceName.isEmpty() || interfaceName.length() > MAX_INTERFACE_NAME
            || interfaceName.indexOf('/') >= 0 || interfaceName.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("interfaceName must be 1.." + MAX_INTERFACE_NAME
                + " characters without '/' or spaces: '" + interfaceName + "'");
        }
        if (frameSize < MIN_FRAME_SIZE || frameSize > MAX_FRAME_SIZE || Integer.bitCount(frameSize) != 1) {
            throw new IllegalArgumentException("frameSize must be a power of two in [" + MIN_FRAME_SIZE + ", "
                + MAX_FRAME_SIZE + "]: " + frameSize);
        }
        if (frameCount < 1 || frameCount > MAX_FRAME_COUNT || Integer.bitCount(frameCount) != 1) {
            throw new IllegalArgumentException("frameCount must be a power of two in [1, " + MAX_FRAME_COUNT + "]: "
                + frameCount);
        }
        if ((long) frameCount * frameSize < TpacketDescriptor.MIN_BLOCK_SIZE) {
            throw new IllegalArgumentException("frameCount * frameSize must be at least " + TpacketDescriptor.MIN_BLOCK_SIZE
                + " bytes (one ring block): " + frameCount + " * " + frameSize);
        }
        if (fanoutGroupId != NO_FANOUT && (fanoutGroupId < 0 || fanoutGroupId > 0xffff)) {
            throw new IllegalArgumentException("fanoutGroupId must be in [0, 65535] or NO_FANOUT (-1): " + fanoutGroupId);
        }
        if (fanoutMode == null) {
            throw new IllegalArgumentException("fanoutMode must not be null");
        }
        if (vnetHeader && frameSize < VNET_FRAME_SIZE) {
            throw new IllegalArgumentException("with virtio headers frames must hold a 64 KiB GSO frame: frameSize must be "
                + VNET_FRAME_SIZE + ", got " + frameSize);
        }
        if ((fanoutMode == FanoutMode.CBPF) != (fanoutProgram != null)) {
            throw new IllegalArgumentException("a fanout program goes with fanoutMode CBPF and only with it (mode "
                + fanoutMode + ", program " + (fanoutProgram == null ? "none" : fanoutProgram.size() + " instructions") + ")");
        }
    }

    /** A port on {@code interfaceName} with 4096 frames of 2048 bytes per ring, no fanout, qdisc bypass on. */
    public static AfPacketConfiguration of(final String interfaceName) {
        return new AfPacketConfiguration(interfaceName, DEFAULT_FRAME_COUNT, DEFAULT_FRAME_SIZE, NO_FANOUT,
            FanoutMode.HASH, true, null, false);
    }

    /** This configuration with the given ring geometry. */
    public AfPacketConfiguration withRing(final int newFrameCount, final int newFrameSize) {
        return new AfPacketConfiguration(interfaceName, newFrameCount, newFrameSize, fanoutGroupId, fanoutMode, qdiscBypass,
            fanoutProgram, vnetHeader);
    }

    /** This configuration as a member of fanout group {@code groupId} with {@code mode} (not CBPF: see below). */
    public AfPacketConfiguration withFanout(final int groupId, final FanoutMode mode) {
        return new AfPacketConfiguration(interfaceName, frameCount, frameSize, groupId, mode, qdiscBypass, null, vnetHeader);
    }

    /**
     * This configuration as a member of {@link FanoutMode#CBPF} group {@code groupId} whose program is
     * {@code program}. Every member sets the same program (the kernel keeps one per group); members must join in
     * the order the program's return values number them.
     */
    public AfPacketConfiguration withFanoutProgram(final int groupId, final CbpfProgram program) {
        return new AfPacketConfiguration(interfaceName, frameCount, frameSize, groupId, FanoutMode.CBPF, qdiscBypass,
            program, vnetHeader);
    }

    /** This configuration with qdisc bypass on or off. */
    public AfPacketConfiguration withQdiscBypass(final boolean bypass) {
        return new AfPacketConfiguration(interfaceName, frameCount, frameSize, fanoutGroupId, fanoutMode, bypass,
            fanoutProgram, vnetHeader);
    }

    /**
     * This configuration with virtio headers on ({@code frameCount} frames of {@link #VNET_FRAME_SIZE} per ring, qdisc
     * bypass off) or off (the ring geometry unchanged).
     *
     * <p>Why no qdisc bypass: a bypassing socket transmits with {@code dev_direct_xmit}, which drops a GSO frame the
     * device has to segment in software ({@code validate_xmit_skb} returns the segments, a new list) and reports
     * ENOBUFS while putting the slot back to SEND_REQUEST: the same frame is retried at every kick and the TX ring is
     * wedged for good (seen with an LB interface that has TSO off). {@code dev_queue_xmit} segments it properly; on
     * veth's {@code noqueue} it costs no queueing.
     */
    public AfPacketConfiguration withVnetHeader(final boolean on, final int vnetFrameCount) {
        return on
            ? new AfPacketConfiguration(interfaceName, vnetFrameCount, VNET_FRAME_SIZE, fanoutGroupId, fanoutMode, false,
                fanoutProgram, true)
            : new AfPacketConfiguration(interfaceName, frameCount, frameSize, fanoutGroupId, fanoutMode, qdiscBypass,
                fanoutProgram, false);
    }

    /** Whether this port joins a fanout group. */
    public boolean hasFanout() {
        return fanoutGroupId != NO_FANOUT;
    }
}
