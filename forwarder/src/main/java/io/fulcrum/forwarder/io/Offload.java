package io.fulcrum.forwarder.io;

/**
 * The offload word of one frame: what the kernel's {@code struct virtio_net_hdr} says about it (AF_PACKET with
 * {@code PACKET_VNET_HDR}), packed into a {@code long} so {@link FrameBatch} and the stages carry it without
 * allocating. 0 means a plain frame: complete checksums, at most one MTU.
 *
 * <pre>
 *   63            48 47            32 31            16 15      8 7       0
 *  +----------------+----------------+----------------+---------+---------+
 *  | csum_offset    | csum_start     | gso_size       | gso_type| flags   |
 *  +----------------+----------------+----------------+---------+---------+
 *   flags:       NEEDS_CSUM (1): the L4 checksum field holds the uncomplemented pseudo-header sum
 *                (CHECKSUM_PARTIAL); whoever transmits sums csum_start..end into csum_start + csum_offset.
 *                DATA_VALID (2): the checksum was verified (CHECKSUM_UNNECESSARY); receive only.
 *   gso_type:    NONE 0, TCPV4 1, UDP (UFO) 3, TCPV6 4, UDP_L4 5, | ECN 0x80: the frame is one IP packet larger
 *                than the MTU that the kernel cuts into gso_size-byte payloads on transmit (TSO/GSO).
 *   csum_start:  offset of the L4 header from the frame's first byte (its Ethernet header).
 *   csum_offset: offset of the checksum field in the L4 header (16 TCP, 6 UDP).
 * </pre>
 * The header length field of the virtio header is not kept: on transmit it is derived from the frame.
 */
public final class Offload {
    /** A plain frame. */
    public static final long NONE = 0;
    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    public static final int GSO_ECN = 0x80;

    private Offload() {
    }

    /** Packs the fields (each masked to its width). */
    public static long of(final int flags, final int gsoType, final int gsoSize, final int csumStart, final int csumOffset) {
        return (flags & 0xffL) | (gsoType & 0xffL) << 8 | (gsoSize & 0xffffL) << 16 | (csumStart & 0xffffL) << 32
            | (csumOffset & 0xffffL) << 48;
    }

    /** A CHECKSUM_PARTIAL frame that is not GSO. */
    public static long partial(final int csumStart, final int csumOffset) {
        return of(F_NEEDS_CSUM, GSO_NONE, 0, csumStart, csumOffset);
    }

    public static int flags(final long word) {
        return (int) (word & 0xff);
    }

    /** The GSO type including the ECN bit. */
    public static int gsoType(final long word) {
        return (int) (word >>> 8 & 0xff);
    }

    public static int gsoSize(final long word) {
        return (int) (word >>> 16 & 0xffff);
    }

    public static int csumStart(final long word) {
        return (int) (word >>> 32 & 0xffff);
    }

    public static int csumOffset(final long word) {
        return (int) (word >>> 48 & 0xffff);
    }

    /** True if the frame is a GSO super-frame (one IP packet the kernel segments on transmit). */
    public static boolean isGso(final long word) {
        return (word & 0x7f00) != 0;
    }

    /** True if the frame's L4 checksum field holds the partial (pseudo-header) sum. */
    public static boolean needsChecksum(final long word) {
        return (word & F_NEEDS_CSUM) != 0;
    }

    /** The word without the partial-checksum flag and offsets (the checksum has been completed). */
    public static long withoutPartial(final long word) {
        // Keeps gso_type and gso_size, clears NEEDS_CSUM and both checksum offsets.
        return word & 0xffff_fffeL;
    }

    /** Readable form for logs and test messages (allocates). */
    public static String describe(final long word) {
        if (word == NONE) {
            return "none";
        }
        return "flags " + flags(word) + " gso_type " + gsoType(word) + " gso_size " + gsoSize(word) + " csum_start "
            + csumStart(word) + " csum_offset " + csumOffset(word);
    }
}
