package io.fulcrum.forwarder.xmit;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.proto.Checksums;
import io.fulcrum.forwarder.proto.Ipv4Flyweight;

/**
 * Address and port translation of one IPv4 TCP or UDP packet in place, with RFC 1624 incremental updates of
 * the IPv4 header checksum and the L4 checksum (which covers the pseudo-header addresses and the ports). A UDP
 * checksum of 0 ("none", RFC 768) stays 0; a computed UDP checksum of 0 is sent as 0xffff. The cost does not
 * depend on the payload length. Stateless and allocation-free.
 */
public final class NatRewriter {
    /** TCP checksum offset in its header. */
    private static final int TCP_CHECKSUM = 16;
    /** UDP checksum offset in its header. */
    private static final int UDP_CHECKSUM = 6;

    private NatRewriter() {
    }

    /**
     * Rewrites source and destination address and port of a TCP/UDP packet (or of a first fragment, whose L4
     * checksum covers the whole datagram: the incremental update stays exact).
     *
     * @param segment  the frame memory.
     * @param ipOffset offset of the IPv4 header.
     * @param l4Offset offset of the TCP/UDP header.
     * @param protocol {@link Ipv4Flyweight#PROTOCOL_TCP} or {@link Ipv4Flyweight#PROTOCOL_UDP}.
     */
    public static void translate(final MemorySegment segment, final long ipOffset, final long l4Offset, final int protocol,
                                 final int newSource, final int newSourcePort, final int newDestination,
                                 final int newDestinationPort) {
        final int oldSource = Bytes.i32(segment, ipOffset + Ipv4Flyweight.SOURCE_OFFSET);
        final int oldDestination = Bytes.i32(segment, ipOffset + Ipv4Flyweight.DESTINATION_OFFSET);
        final int oldPorts = Bytes.i32(segment, l4Offset);
        final int newPorts = (newSourcePort << 16) | (newDestinationPort & 0xffff);
        int ipChecksum = Bytes.u16(segment, ipOffset + Ipv4Flyweight.CHECKSUM_OFFSET);
        ipChecksum = Checksums.update32(ipChecksum, oldSource, newSource);
        ipChecksum = Checksums.update32(ipChecksum, oldDestination, newDestination);
        Bytes.i32(segment, ipOffset + Ipv4Flyweight.SOURCE_OFFSET, newSource);
        Bytes.i32(segment, ipOffset + Ipv4Flyweight.DESTINATION_OFFSET, newDestination);
        Bytes.u16(segment, ipOffset + Ipv4Flyweight.CHECKSUM_OFFSET, ipChecksum);
        Bytes.i32(segment, l4Offset, newPorts);
        final long checksumOffset = l4Offset + (protocol == Ipv4Flyweight.PROTOCOL_TCP ? TCP_CHECKSUM : UDP_CHECKSUM);
        int checksum = Bytes.u16(segment, checksumOffset);
        if (protocol == Ipv4Flyweight.PROTOCOL_UDP && checksum == 0) {
            return;
        }
        checksum = Checksums.update32(checksum, oldSource, newSource);
        checksum = Checksums.update32(checksum, oldDestination, newDestination);
        checksum = Checksums.update32(checksum, oldPorts, newPorts);
        if (protocol == Ipv4Flyweight.PROTOCOL_UDP && checksum == 0) {
            checksum = 0xffff;
        }
        Bytes.u16(segment, checksumOffset, checksum);
    }

    /**
     * Rewrites the packet quoted in an ICMP error (its IPv4 header and the first bytes of its TCP/UDP header):
     * addresses and header checksum always, ports always (the first 8 bytes are always quoted), the L4 checksum
     * only if the quote reaches it. The caller recomputes the ICMP checksum afterwards.
     *
     * @param quotedL4Length bytes of the L4 header present in the quote (at least 8).
     */
    public static void translateQuoted(final MemorySegment segment, final long ipOffset, final long l4Offset, final int protocol,
                                       final int quotedL4Length, final int newSource, final int newSourcePort,
                                       final int newDestination, final int newDestinationPort) {
        final int checksumAt = protocol == Ipv4Flyweight.PROTOCOL_TCP ? TCP_CHECKSUM : UDP_CHECKSUM;
        if (quotedL4Length >= checksumAt + 2) {
            translate(segment, ipOffset, l4Offset, protocol, newSource, newSourcePort, newDestination, newDestinationPort);
            return;
        }
        translateAddresses(segment, ipOffset, newSource, newDestination);
        Bytes.i32(segment, l4Offset, (newSourcePort << 16) | (newDestinationPort & 0xffff));
    }

    /** Rewrites only the IPv4 addresses (later fragments: no L4 header), updating the header checksum. */
    public static void translateAddresses(final MemorySegment segment, final long ipOffset, final int newSource,
                                          final int newDestination) {
        final int oldSource = Bytes.i32(segment, ipOffset + Ipv4Flyweight.SOURCE_OFFSET);
        final int oldDestination = Bytes.i32(segment, ipOffset + Ipv4Flyweight.DESTINATION_OFFSET);
        int ipChecksum = Bytes.u16(segment, ipOffset + Ipv4Flyweight.CHECKSUM_OFFSET);
        ipChecksum = Checksums.update32(ipChecksum, oldSource, newSource);
        ipChecksum = Checksums.update32(ipChecksum, oldDestination, newDestination);
        Bytes.i32(segment, ipOffset + Ipv4Flyweight.SOURCE_OFFSET, newSource);
        Bytes.i32(segment, ipOffset + Ipv4Flyweight.DESTINATION_OFFSET, newDestination);
        Bytes.u16(segment, ipOffset + Ipv4Flyweight.CHECKSUM_OFFSET, ipChecksum);
    }

    /**
     * Decrements the TTL of a packet we forward (RFC 1812 5.3.1), updating the header checksum.
     *
     * @return false if the TTL was 0 or 1: the packet must not be forwarded.
     */
    public static boolean decrementTtl(final MemorySegment segment, final long ipOffset) {
        final int word = Bytes.u16(segment, ipOffset + Ipv4Flyweight.TTL_OFFSET);
        if ((word >>> 8) <= 1) {
            return false;
        }
        final int newWord = word - 0x100;
        Bytes.u16(segment, ipOffset + Ipv4Flyweight.TTL_OFFSET, newWord);
        Bytes.u16(segment, ipOffset + Ipv4Flyweight.CHECKSUM_OFFSET,
            Checksums.update16(Bytes.u16(segment, ipOffset + Ipv4Flyweight.CHECKSUM_OFFSET), word, newWord));
        return true;
    }
}
