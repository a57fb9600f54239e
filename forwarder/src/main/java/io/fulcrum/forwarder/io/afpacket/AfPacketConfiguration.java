package io.fulcrum.forwarder.io.afpacket;

/**
 * Settings of one AF_PACKET port ({@link AfPacketIo}).
 *
 * @param interfaceName  the interface to bind (at most 15 characters), looked up in the calling thread's namespace.
 * @param frameCount     frames per ring (RX and TX each), a power of two; frameCount * frameSize must be at least 4096.
 * @param frameSize      bytes per ring frame, a power of two in [256, 65536]; an RX frame holds frameSize - 66 bytes
 *                       of packet, a TX frame frameSize - 32 (2048 carries a 1500-byte MTU).
 * @param fanoutGroupId  the PACKET_FANOUT group that splits the interface's frames between several ports (one per
 *                       agent), in [0, 65535], or {@link #NO_FANOUT}.
 * @param fanoutMode     how the fanout group splits frames (ignored without a group).
 * @param qdiscBypass    PACKET_QDISC_BYPASS on the TX socket: transmit straight to the driver, skipping the qdisc.
 * @param fanoutProgram  the classic BPF program that picks the socket in a {@link FanoutMode#CBPF} group (its
 *                       return value modulo the group's size is the index of the member in joining order), null for
 *                       the other modes.
 */
public record AfPacketConfiguration(String interfaceName, int frameCount, int frameSize, int fanoutGroupId,
                                    FanoutMode fanoutMode, boolean qdiscBypass, CbpfProgram fanoutProgram) {
    /** {@link #fanoutGroupId} value for a port that receives every frame of its interface. */
    public static final int NO_FANOUT = -1;
    public static final int DEFAULT_FRAME_COUNT = 4096;
    public static final int DEFAULT_FRAME_SIZE = 2048;
    private static final int MAX_INTERFACE_NAME = 15;
    private static final int MIN_FRAME_SIZE = 256;
    private static final int MAX_FRAME_SIZE = 65536;
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
        if ((fanoutMode == FanoutMode.CBPF) != (fanoutProgram != null)) {
            throw new IllegalArgumentException("a fanout program goes with fanoutMode CBPF and only with it (mode "
                + fanoutMode + ", program " + (fanoutProgram == null ? "none" : fanoutProgram.size() + " instructions") + ")");
        }
    }

    /** A port on {@code interfaceName} with 4096 frames of 2048 bytes per ring, no fanout, qdisc bypass on. */
    public static AfPacketConfiguration of(final String interfaceName) {
        return new AfPacketConfiguration(interfaceName, DEFAULT_FRAME_COUNT, DEFAULT_FRAME_SIZE, NO_FANOUT,
            FanoutMode.HASH, true, null);
    }

    /** This configuration with the given ring geometry. */
    public AfPacketConfiguration withRing(final int newFrameCount, final int newFrameSize) {
        return new AfPacketConfiguration(interfaceName, newFrameCount, newFrameSize, fanoutGroupId, fanoutMode, qdiscBypass,
            fanoutProgram);
    }

    /** This configuration as a member of fanout group {@code groupId} with {@code mode} (not CBPF: see below). */
    public AfPacketConfiguration withFanout(final int groupId, final FanoutMode mode) {
        return new AfPacketConfiguration(interfaceName, frameCount, frameSize, groupId, mode, qdiscBypass, null);
    }

    /**
     * This configuration as a member of {@link FanoutMode#CBPF} group {@code groupId} whose program is
     * {@code program}. Every member sets the same program (the kernel keeps one per group); members must join in
     * the order the program's return values number them.
     */
    public AfPacketConfiguration withFanoutProgram(final int groupId, final CbpfProgram program) {
        return new AfPacketConfiguration(interfaceName, frameCount, frameSize, groupId, FanoutMode.CBPF, qdiscBypass,
            program);
    }

    /** This configuration with qdisc bypass on or off. */
    public AfPacketConfiguration withQdiscBypass(final boolean bypass) {
        return new AfPacketConfiguration(interfaceName, frameCount, frameSize, fanoutGroupId, fanoutMode, bypass,
            fanoutProgram);
    }

    /** Whether this port joins a fanout group. */
    public boolean hasFanout() {
        return fanoutGroupId != NO_FANOUT;
    }
}
