package io.fulcrum.forwarder.stage;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.Offload;
import io.fulcrum.forwarder.neighbour.NeighbourTable;
import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.proto.Checksums;
import io.fulcrum.forwarder.proto.EthernetFlyweight;
import io.fulcrum.forwarder.proto.TcpFlyweight;
import io.fulcrum.forwarder.proto.UdpFlyweight;

/**
 * The stage chain of one agent: Ethernet, then ARP ({@link ArpStage}) or IPv4 ({@link Ipv4Stage}), then
 * ICMP ({@link IcmpStage}) or the {@link L4Stage} hook for TCP/UDP.
 *
 * <pre>
 *   frame ──► ethernet ──┬─ 0x0806 ──► arp ──► reply in place | learn | drop
 *                        ├─ 0x0800 ──► ipv4 ─┬─ icmp ──► echo reply in place | drop
 *                        │                   └─ tcp/udp ──► L4Stage (conntrack, scheduler, xmit)
 *                        └─ other ───► drop (vlan, ipv6, unknown)
 * </pre>
 *
 * One frame in, one {@link Verdict} out; the frame is rewritten in place when it is answered, and
 * {@link #txLength()} tells how many bytes to send. Allocation-free; owned by one agent thread.
 */
public final class PacketProcessor {
    private final InterfaceAddresses[] interfaces;
    private final ArpStage arp;
    private final Ipv4Stage ipv4;
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private int txLength;
    private MemorySegment txSegment;
    private long txOffset;
    private long txOffload;

    /**
     * @param interfaces one per port, in port order.
     * @param neighbours the agent's neighbour table.
     * @param counters   the agent's counters (events; drops are counted by the caller from the verdict).
     * @param sender     sends frames the stages generate (ARP requests).
     * @param l4         the TCP/UDP hook, e.g. {@link L4Stage#NO_LISTENER}; it also hears the neighbours ARP learns.
     */
    public PacketProcessor(final InterfaceAddresses[] interfaces, final NeighbourTable neighbours,
                           final ForwarderCounters counters, final FrameSender sender, final L4Stage l4) {
        this.txSegment = null;
        this.interfaces = interfaces.clone();
        this.arp = new ArpStage(this.interfaces, neighbours, counters, sender, l4);
        this.ipv4 = new Ipv4Stage(this.interfaces, counters, new IcmpStage(this.interfaces, counters), l4);
    }

    /**
     * Processes one frame received on {@code port}.
     *
     * @param flags the frame's {@link FrameBatch} flags.
     * @return a {@link Verdict}.
     */
    public int process(final int port, final MemorySegment segment, final long offset, final int length, final int flags,
                       final long nowMs) {
        return process(port, segment, offset, length, flags, Offload.NONE, nowMs);
    }

    /**
     * Processes one frame with its {@link Offload} word (AF_PACKET virtio header). After a transmit verdict
     * {@link #txOffload()} is the word to transmit with; a partial checksum the stages saw in its header view is a
     * partial seed again.
     */
    public int process(final int port, final MemorySegment segment, final long offset, final int length, final int flags,
                       final long offload, final long nowMs) {
        txSegment = null;
        txOffload = Offload.NONE;
        if ((flags & FrameBatch.FLAG_TRUNCATED) != 0) {
            return Verdict.drop(DropReason.CAPTURE_TRUNCATED);
        }
        if (length < EthernetFlyweight.HEADER_LENGTH) {
            return Verdict.drop(DropReason.ETH_TRUNCATED);
        }
        final EthernetFlyweight ethernet = this.ethernet.wrap(segment, offset);
        final long destination = ethernet.destination();
        if (destination != interfaces[port].mac() && !Bytes.isGroupMac(destination)) {
            return Verdict.drop(DropReason.ETH_FOREIGN_DESTINATION);
        }
        final long source = ethernet.source();
        if (source == 0 || Bytes.isGroupMac(source)) {
            return Verdict.drop(DropReason.ETH_BAD_SOURCE);
        }
        switch (ethernet.etherType()) {
            case EthernetFlyweight.ETHER_TYPE_IPV4 -> {
                final int verdict = ipv4.onFrame(port, segment, offset, length, flags, offload, nowMs);
                if (verdict >= 0) {
                    if (txSegment == null) {
                        txLength = EthernetFlyweight.HEADER_LENGTH + ipv4.ip().totalLength();
                    }
                    final long word = ipv4.offload();
                    if (Offload.needsChecksum(word)) {
                        restorePartial(txSegment(segment), txOffset(offset), word);
                    }
                    txOffload = word;
                }
                return verdict;
            }
            case EthernetFlyweight.ETHER_TYPE_ARP -> {
                final int verdict = arp.onFrame(port, segment, offset, length, nowMs);
                if (verdict >= 0) {
                    txLength = ArpStage.FRAME_LENGTH;
                }
                return verdict;
            }
            case EthernetFlyweight.ETHER_TYPE_IPV6 -> {
                return Verdict.drop(DropReason.IPV6_UNSUPPORTED);
            }
            case EthernetFlyweight.ETHER_TYPE_VLAN, EthernetFlyweight.ETHER_TYPE_QINQ -> {
                return Verdict.drop(DropReason.VLAN_UNSUPPORTED);
            }
            default -> {
                return Verdict.drop(DropReason.ETHER_TYPE_UNKNOWN);
            }
        }
    }

    /** Turns the header view of the frame about to be sent back into the partial seed (see {@link Ipv4Stage}). */
    private void restorePartial(final MemorySegment frame, final long frameOffset, final long word) {
        final long l4Offset = frameOffset + Offload.csumStart(word);
        final boolean tcp = Offload.csumOffset(word) == TcpFlyweight.CHECKSUM_OFFSET;
        final int headerLength = tcp ? (Bytes.u8(frame, l4Offset + 12) >>> 4) << 2 : UdpFlyweight.HEADER_LENGTH;
        Checksums.headerViewToPartial(frame, l4Offset, headerLength, l4Offset + Offload.csumOffset(word));
    }

    /** The offload word to transmit with after a transmit verdict ({@link Offload#NONE} for plain frames). */
    public long txOffload() {
        return txOffload;
    }

    /** The length to transmit after a transmit verdict (the rewritten frame, without trailing padding). */
    public int txLength() {
        return txLength;
    }

    /**
     * The memory to transmit from after a transmit verdict: {@code received} unless the stage built the frame
     * elsewhere ({@link #transmitFrom}).
     */
    public MemorySegment txSegment(final MemorySegment received) {
        return txSegment == null ? received : txSegment;
    }

    /** The offset to transmit from after a transmit verdict: {@code received} unless redirected. */
    public long txOffset(final long received) {
        return txSegment == null ? received : txOffset;
    }

    /** Makes the current frame's transmit verdict send {@code length} bytes at {@code offset} of {@code frame}. */
    public void transmitFrom(final MemorySegment frame, final long offset, final int length) {
        txSegment = frame;
        txOffset = offset;
        txLength = length;
    }

    /** Next-hop resolution for the L4 path: see {@link ArpStage#resolve}. */
    public ArpStage arp() {
        return arp;
    }

    public Ipv4Stage ipv4() {
        return ipv4;
    }
}
