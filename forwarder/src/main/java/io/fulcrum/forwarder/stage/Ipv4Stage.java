package io.fulcrum.forwarder.stage;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.Offload;
import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.proto.Checksums;
import io.fulcrum.forwarder.proto.EthernetFlyweight;
import io.fulcrum.forwarder.proto.IcmpFlyweight;
import io.fulcrum.forwarder.proto.Ipv4Flyweight;
import io.fulcrum.forwarder.proto.TcpFlyweight;
import io.fulcrum.forwarder.proto.UdpFlyweight;

/**
 * IPv4 input (RFC 791, RFC 1122 3.2.1, RFC 1812 5.2.2 and 5.3.7): validates the header, keeps only packets
 * for our own addresses, completes CHECKSUM_PARTIAL checksums, and hands ICMP to {@link IcmpStage} and
 * TCP/UDP to the {@link L4Stage} hook.
 *
 * <p>Checks, in order, each with its {@link DropReason}: frame holds 20 bytes (truncated), version 4, IHL
 * &gt;= 5, frame holds IHL*4 bytes (truncated), IHL*4 &lt;= total length &lt;= frame payload (Ethernet
 * padding after the total length is ignored), header checksum, martian source, limited/directed broadcast
 * and multicast destination, link-layer group destination, destination owned by this agent (any of its
 * interfaces: the weak host model of RFC 1122 3.3.4.2), not a fragment.
 *
 * <p>Decisions:
 * <ul>
 *   <li><b>TTL.</b> Packets to us are accepted with any TTL, including 0 and 1: RFC 1812 5.3.1 says a
 *       router "MUST NOT discard a datagram just because it was received with TTL equal to zero or one;
 *       if it is to the router and otherwise valid, the router MUST attempt to receive it". They are
 *       counted ({@link ForwarderEvent#IPV4_LOW_TTL_LOCAL}). The TTL &lt;= 1 check for packets that would be
 *       forwarded belongs to the transmit stage of the L4 path, which decrements the TTL.</li>
 *   <li><b>Options.</b> Accepted for local delivery and counted ({@link ForwarderEvent#IPV4_OPTIONS});
 *       the ICMP echo reply does not echo them.</li>
 *   <li><b>Fragments.</b> Without a flow-tracking L4 stage, dropped and counted. With one, first fragments go
 *       through {@link L4Stage#onPacket} and later ones through {@link L4Stage#onFragment}.</li>
 *   <li><b>Transit.</b> Packets to addresses we do not own are dropped unless the L4 stage tracks flows
 *       ({@link L4Stage#tracksFlows()}): DNAT replies are addressed to the client.</li>
 * </ul>
 */
public final class Ipv4Stage {
    private final InterfaceAddresses[] interfaces;
    private final ForwarderCounters counters;
    private final IcmpStage icmp;
    private final L4Stage l4;
    private final Ipv4Flyweight ip = new Ipv4Flyweight();
    private long offload;

    public Ipv4Stage(final InterfaceAddresses[] interfaces, final ForwarderCounters counters, final IcmpStage icmp,
                     final L4Stage l4) {
        this.interfaces = interfaces.clone();
        this.counters = counters;
        this.icmp = icmp;
        this.l4 = l4;
    }

    /**
     * Handles an IPv4 frame received on {@code port}.
     *
     * @return a {@link Verdict}; on transmit the frame length is {@code 14 + total length} (see {@link #ip()}).
     */
    public int onFrame(final int port, final MemorySegment segment, final long offset, final int length, final int flags,
                       final long nowMs) {
        return onFrame(port, segment, offset, length, flags, Offload.NONE, nowMs);
    }

    /**
     * Handles an IPv4 frame with its {@link Offload} word (virtio header). A partial TCP/UDP checksum is kept partial
     * for the transmit side and handed to the L4 stage in its header view ({@link Checksums#partialToHeaderView});
     * {@link #offload()} is the word the frame is transmitted with (the caller turns the header view back).
     */
    public int onFrame(final int port, final MemorySegment segment, final long offset, final int length, final int flags,
                       final long frameOffload, final long nowMs) {
        this.offload = frameOffload;
        final int payloadLength = length - EthernetFlyweight.HEADER_LENGTH;
        if (payloadLength < Ipv4Flyweight.MIN_HEADER_LENGTH) {
            return Verdict.drop(DropReason.IPV4_TRUNCATED);
        }
        final Ipv4Flyweight ip = this.ip.wrap(segment, offset + EthernetFlyweight.HEADER_LENGTH);
        if (ip.version() != 4) {
            return Verdict.drop(DropReason.IPV4_BAD_VERSION);
        }
        final int headerLength = ip.headerLength();
        if (headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH) {
            return Verdict.drop(DropReason.IPV4_BAD_HEADER_LENGTH);
        }
        if (headerLength > payloadLength) {
            return Verdict.drop(DropReason.IPV4_TRUNCATED);
        }
        final int totalLength = ip.totalLength();
        if (totalLength < headerLength || totalLength > payloadLength) {
            return Verdict.drop(DropReason.IPV4_BAD_TOTAL_LENGTH);
        }
        if (!ip.isChecksumValid()) {
            return Verdict.drop(DropReason.IPV4_BAD_CHECKSUM);
        }
        final int source = ip.source();
        if (Ipv4Addresses.isMartian(source) || isLocal(source) || isDirectedBroadcast(source)) {
            return Verdict.drop(DropReason.IPV4_MARTIAN_SOURCE);
        }
        final int destination = ip.destination();
        if (destination == Ipv4Addresses.LIMITED_BROADCAST || isDirectedBroadcast(destination)) {
            return Verdict.drop(DropReason.IPV4_BROADCAST);
        }
        if (Ipv4Addresses.isMulticast(destination)) {
            return Verdict.drop(DropReason.IPV4_MULTICAST);
        }
        if (Bytes.isGroupMac(Bytes.mac(segment, offset + EthernetFlyweight.DESTINATION_OFFSET))) {
            return Verdict.drop(DropReason.IPV4_LINK_BROADCAST);
        }
        // VIPs and local addresses are addresses of the agent's interfaces; packets to other hosts only
        // interest a flow-tracking L4 stage (DNAT replies routed through us).
        final boolean local = isLocal(destination);
        final boolean tracking = l4.tracksFlows();
        if (!local && !tracking) {
            return Verdict.drop(DropReason.IPV4_NOT_LOCAL);
        }
        final boolean fragment = ip.isFragment();
        if (fragment && (ip.flagsAndFragmentOffset() & Ipv4Flyweight.FRAGMENT_OFFSET_MASK) != 0) {
            // No L4 header to checksum or segment: the frame goes out plain.
            offload = Offload.NONE;
            return tracking ? l4.onFragment(port, segment, offset, ip, nowMs) : Verdict.drop(DropReason.IPV4_FRAGMENT);
        }
        if (local) {
            if (headerLength > Ipv4Flyweight.MIN_HEADER_LENGTH) {
                counters.event(ForwarderEvent.IPV4_OPTIONS);
            }
            if (ip.ttl() <= 1) {
                counters.event(ForwarderEvent.IPV4_LOW_TTL_LOCAL);
            }
        }
        final int protocol = ip.protocol();
        final int l4Length = totalLength - headerLength;
        final long l4Offset = ip.offset() + headerLength;
        // A first fragment's checksum covers data we do not have: it cannot be completed here.
        boolean completeChecksum = (flags & FrameBatch.FLAG_CSUM_NOT_READY) != 0 && !fragment;
        if (frameOffload != Offload.NONE) {
            final int verdict = checkOffload(segment, offset, protocol, headerLength, l4Offset, l4Length, fragment);
            if (verdict != Verdict.CONSUMED) {
                return verdict;
            }
            // Kept partial (header view) or completed there: nothing left to complete below.
            completeChecksum = completeChecksum && !Offload.needsChecksum(frameOffload);
        } else if (!completeChecksum && !fragment) {
            completeChecksum = looksPartial(segment, protocol, l4Offset, l4Length, source, destination);
        }
        switch (protocol) {
            case Ipv4Flyweight.PROTOCOL_ICMP -> {
                if (completeChecksum && l4Length >= IcmpFlyweight.HEADER_LENGTH) {
                    completePartial(segment, l4Offset, l4Length, IcmpFlyweight.CHECKSUM_OFFSET, false);
                }
                if (tracking && l4Length >= IcmpFlyweight.HEADER_LENGTH && isIcmpError(Bytes.u8(segment, l4Offset))) {
                    return l4.onPacket(port, segment, offset, ip, nowMs);
                }
                if (!local) {
                    return Verdict.drop(DropReason.IPV4_NOT_LOCAL);
                }
                if (fragment) {
                    return Verdict.drop(DropReason.IPV4_FRAGMENT);
                }
                return icmp.onPacket(port, segment, offset, ip);
            }
            case Ipv4Flyweight.PROTOCOL_TCP -> {
                if (fragment && !tracking) {
                    return Verdict.drop(DropReason.IPV4_FRAGMENT);
                }
                if (l4Length < TcpFlyweight.MIN_HEADER_LENGTH) {
                    return Verdict.drop(DropReason.L4_TRUNCATED);
                }
                if (completeChecksum) {
                    completePartial(segment, l4Offset, l4Length, TcpFlyweight.CHECKSUM_OFFSET, false);
                }
                return l4.onPacket(port, segment, offset, ip, nowMs);
            }
            case Ipv4Flyweight.PROTOCOL_UDP -> {
                if (fragment && !tracking) {
                    return Verdict.drop(DropReason.IPV4_FRAGMENT);
                }
                if (l4Length < UdpFlyweight.HEADER_LENGTH) {
                    return Verdict.drop(DropReason.L4_TRUNCATED);
                }
                if (completeChecksum) {
                    completePartial(segment, l4Offset, l4Length, UdpFlyweight.CHECKSUM_OFFSET, true);
                }
                return l4.onPacket(port, segment, offset, ip, nowMs);
            }
            default -> {
                return Verdict.drop(local ? DropReason.IPV4_PROTOCOL_UNSUPPORTED : DropReason.IPV4_NOT_LOCAL);
            }
        }
    }

    /**
     * Offload sanity and the partial checksum of a frame that came with a virtio header: GSO only for TCPV4 over TCP
     * and UDP_L4 over UDP, not fragmented; a partial checksum that sits in the TCP/UDP checksum field is turned into
     * its header view (kept partial); anywhere else (ICMP, fragments, odd offsets) it is completed in software where
     * possible and the word loses its partial flag.
     *
     * @return {@link Verdict#CONSUMED} to go on (never returned for the frame itself), or a drop.
     */
    private int checkOffload(final MemorySegment segment, final long offset, final int protocol, final int headerLength,
                             final long l4Offset, final int l4Length, final boolean fragment) {
        final long word = offload;
        final boolean tcp = protocol == Ipv4Flyweight.PROTOCOL_TCP;
        final boolean udp = protocol == Ipv4Flyweight.PROTOCOL_UDP;
        final int checksumField = tcp ? TcpFlyweight.CHECKSUM_OFFSET : UdpFlyweight.CHECKSUM_OFFSET;
        final boolean fieldMatches = (tcp || udp) && !fragment
            && Offload.csumStart(word) == EthernetFlyweight.HEADER_LENGTH + headerLength
            && Offload.csumOffset(word) == checksumField;
        if (Offload.isGso(word)) {
            final int type = Offload.gsoType(word) & ~Offload.GSO_ECN;
            final boolean typeMatches = tcp ? type == Offload.GSO_TCPV4 : udp && type == Offload.GSO_UDP_L4;
            if (!typeMatches || !fieldMatches || !Offload.needsChecksum(word) || Offload.gsoSize(word) == 0) {
                return Verdict.drop(DropReason.GSO_UNSUPPORTED);
            }
        }
        if (!Offload.needsChecksum(word)) {
            return Verdict.CONSUMED;
        }
        if (fieldMatches) {
            final int l4HeaderLength = tcp ? (Bytes.u8(segment, l4Offset + 12) >>> 4) << 2 : UdpFlyweight.HEADER_LENGTH;
            if (l4HeaderLength >= (tcp ? TcpFlyweight.MIN_HEADER_LENGTH : UdpFlyweight.HEADER_LENGTH)
                && l4HeaderLength <= l4Length) {
                Checksums.partialToHeaderView(segment, l4Offset, l4HeaderLength, l4Offset + checksumField, udp);
                return Verdict.CONSUMED;
            }
            // A TCP header the L4 stage refuses anyway: leave the frame as it is.
            offload = Offload.withoutPartial(word);
            return Verdict.CONSUMED;
        }
        final long start = offset + Offload.csumStart(word);
        final long field = start + Offload.csumOffset(word);
        final long end = l4Offset + l4Length;
        if (!fragment && start >= l4Offset && field + 2 <= end) {
            Checksums.completePartial(segment, start, (int) (end - start), field, udp);
            counters.event(ForwarderEvent.CHECKSUM_COMPLETED);
        }
        offload = Offload.withoutPartial(word);
        return Verdict.CONSUMED;
    }

    /** The offload word the last frame handled is transmitted with (valid after a transmit verdict). */
    public long offload() {
        return offload;
    }

    /** Replaces the current frame's offload word (a stage that rewrote the frame into a plain one). */
    public void offload(final long word) {
        offload = word;
    }

    /** Destination unreachable (3) and time exceeded (11): errors that may refer to a tracked flow. */
    private static boolean isIcmpError(final int type) {
        return type == IcmpFlyweight.TYPE_DESTINATION_UNREACHABLE || type == IcmpFlyweight.TYPE_TIME_EXCEEDED;
    }

    /** The IPv4 header of the last frame handled (valid after a transmit verdict). */
    public Ipv4Flyweight ip() {
        return ip;
    }

    /**
     * A TCP/UDP checksum left partial by a sender with TX checksum offload that reached us without the mark saying
     * so: AF_XDP (and AF_PACKET without virtio headers on older kernels) loses the skb's CHECKSUM_PARTIAL state, so a
     * veth peer with {@code tx-checksumming on} (its default) hands over segments whose checksum field holds only the
     * folded pseudo-header sum. Forwarded as they are, every such segment would be dropped by the receiver as
     * corrupt. The test is a header-only sum. Completing a frame whose valid checksum happens to equal that sum (one
     * in 65,536) rewrites the same value: for a valid segment the sum over it is the complement of the pseudo-header
     * sum, so its completion is the pseudo-header sum again. UDP's 0 (no checksum) never matches.
     */
    private static boolean looksPartial(final MemorySegment segment, final int protocol, final long l4Offset,
                                        final int l4Length, final int source, final int destination) {
        final int field;
        if (protocol == Ipv4Flyweight.PROTOCOL_TCP && l4Length >= TcpFlyweight.MIN_HEADER_LENGTH) {
            field = Bytes.u16(segment, l4Offset + TcpFlyweight.CHECKSUM_OFFSET);
        } else if (protocol == Ipv4Flyweight.PROTOCOL_UDP && l4Length >= UdpFlyweight.HEADER_LENGTH) {
            field = Bytes.u16(segment, l4Offset + UdpFlyweight.CHECKSUM_OFFSET);
        } else {
            return false;
        }
        return field != 0 && field == Checksums.fold(Checksums.pseudoHeaderSum(source, destination, protocol, l4Length));
    }

    private void completePartial(final MemorySegment segment, final long l4Offset, final int l4Length,
                                 final int checksumOffset, final boolean udp) {
        Checksums.completePartial(segment, l4Offset, l4Length, l4Offset + checksumOffset, udp);
        counters.event(ForwarderEvent.CHECKSUM_COMPLETED);
    }

    /** True if any interface of this agent owns {@code address}. */
    public boolean isLocal(final int address) {
        final InterfaceAddresses[] interfaces = this.interfaces;
        for (int i = 0; i < interfaces.length; i++) {
            if (interfaces[i].owns(address)) {
                return true;
            }
        }
        return false;
    }

    private boolean isDirectedBroadcast(final int address) {
        final InterfaceAddresses[] interfaces = this.interfaces;
        for (int i = 0; i < interfaces.length; i++) {
            if (interfaces[i].isDirectedBroadcast(address)) {
                return true;
            }
        }
        return false;
    }
}
