package io.fulcrum.forwarder.proto;

import java.lang.foreign.MemorySegment;

/**
 * Ethernet II header over a frame in a {@link MemorySegment}.
 *
 * <pre>
 *   0                   6                  12        14
 *   +-------------------+-------------------+---------+
 *   | destination MAC   | source MAC        | type    |
 *   +-------------------+-------------------+---------+
 * </pre>
 * The flyweight does no bounds checking of its own beyond the segment's: the caller checks the frame
 * length against {@link #HEADER_LENGTH} first.
 */
public final class EthernetFlyweight {
    public static final int HEADER_LENGTH = 14;
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;

    public static final int ETHER_TYPE_IPV4 = 0x0800;
    public static final int ETHER_TYPE_ARP = 0x0806;
    public static final int ETHER_TYPE_VLAN = 0x8100;
    public static final int ETHER_TYPE_QINQ = 0x88a8;
    public static final int ETHER_TYPE_IPV6 = 0x86dd;

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    public EthernetFlyweight wrap(final MemorySegment segment, final long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }

    /** The offset of the payload (the L3 header). */
    public long payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    public long destination() {
        return Bytes.mac(segment, offset + DESTINATION_OFFSET);
    }

    public EthernetFlyweight destination(final long mac) {
        Bytes.mac(segment, offset + DESTINATION_OFFSET, mac);
        return this;
    }

    public long source() {
        return Bytes.mac(segment, offset + SOURCE_OFFSET);
    }

    public EthernetFlyweight source(final long mac) {
        Bytes.mac(segment, offset + SOURCE_OFFSET, mac);
        return this;
    }

    public int etherType() {
        return Bytes.u16(segment, offset + ETHER_TYPE_OFFSET);
    }

    public EthernetFlyweight etherType(final int type) {
        Bytes.u16(segment, offset + ETHER_TYPE_OFFSET, type);
        return this;
    }
}
