package io.fulcrum.forwarder.xmit;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.proto.Checksums;
import io.fulcrum.forwarder.proto.EthernetFlyweight;
import io.fulcrum.forwarder.proto.Ipv4Flyweight;
import io.fulcrum.forwarder.proto.TcpFlyweight;

/**
 * Builds the TCP resets the L4 path originates: to both sides of a flow that idled out or whose backend was
 * drained, and to a client whose SYN found no backend. A reset is a 54-byte frame (Ethernet, 20-byte IPv4
 * header, 20-byte TCP header, no payload) with RST|ACK, TTL 64, DF set and full checksums. Allocation-free.
 */
public final class TcpResetWriter {
    /** Length of a generated reset frame. */
    public static final int FRAME_LENGTH = EthernetFlyweight.HEADER_LENGTH + 40;
    /** TTL of generated packets. */
    public static final int TTL = 64;

    private TcpResetWriter() {
    }

    /**
     * Writes a reset frame at {@code offset} of {@code frame}; the Ethernet addresses are left to the caller's
     * next-hop step (written as zero).
     *
     * @param sequence       the sequence number the receiver expects next.
     * @param acknowledgment the acknowledgment number (the receiver's next sequence).
     * @return the frame length.
     */
    public static int write(final MemorySegment frame, final long offset, final int source, final int sourcePort,
                            final int destination, final int destinationPort, final int sequence, final int acknowledgment) {
        Bytes.mac(frame, offset, 0L);
        Bytes.mac(frame, offset + 6, 0L);
        Bytes.u16(frame, offset + EthernetFlyweight.ETHER_TYPE_OFFSET, EthernetFlyweight.ETHER_TYPE_IPV4);
        final long ip = offset + EthernetFlyweight.HEADER_LENGTH;
        Bytes.u16(frame, ip, 0x4500);
        Bytes.u16(frame, ip + Ipv4Flyweight.TOTAL_LENGTH_OFFSET, 40);
        Bytes.u16(frame, ip + 4, 0);
        Bytes.u16(frame, ip + 6, Ipv4Flyweight.FLAG_DONT_FRAGMENT);
        Bytes.u16(frame, ip + Ipv4Flyweight.TTL_OFFSET, (TTL << 8) | Ipv4Flyweight.PROTOCOL_TCP);
        Bytes.u16(frame, ip + Ipv4Flyweight.CHECKSUM_OFFSET, 0);
        Bytes.i32(frame, ip + Ipv4Flyweight.SOURCE_OFFSET, source);
        Bytes.i32(frame, ip + Ipv4Flyweight.DESTINATION_OFFSET, destination);
        Bytes.u16(frame, ip + Ipv4Flyweight.CHECKSUM_OFFSET, Checksums.complement(Checksums.sum(frame, ip, 20, 0L)));
        final long tcp = ip + 20;
        Bytes.u16(frame, tcp, sourcePort);
        Bytes.u16(frame, tcp + 2, destinationPort);
        Bytes.i32(frame, tcp + 4, sequence);
        Bytes.i32(frame, tcp + 8, acknowledgment);
        Bytes.u16(frame, tcp + 12, (5 << 12) | TcpFlyweight.FLAG_RST | TcpFlyweight.FLAG_ACK);
        Bytes.u16(frame, tcp + 14, 0);
        Bytes.i32(frame, tcp + 16, 0);
        Checksums.writeL4Checksum(frame, tcp, 20, tcp + TcpFlyweight.CHECKSUM_OFFSET, source, destination,
            Ipv4Flyweight.PROTOCOL_TCP);
        return FRAME_LENGTH;
    }
}
