package io.fulcrum.forwarder.stage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.neighbour.NeighbourListener;
import io.fulcrum.forwarder.neighbour.NeighbourTable;
import io.fulcrum.forwarder.proto.ArpFlyweight;
import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.proto.EthernetFlyweight;

/**
 * ARP (RFC 826, with RFC 5227 probes and announcements): answers requests for the receiving interface's
 * own addresses by rewriting the request into its reply in place, learns neighbours, and resolves next hops.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>Only Ethernet/IPv4 ARP with opcode request or reply is handled.</li>
 *   <li>A sender MAC that is zero or a group address, or a sender IP that is martian (except 0.0.0.0,
 *       the RFC 5227 probe), is dropped.</li>
 *   <li>A sender IP owned by the receiving interface is an address conflict: counted, never learned.</li>
 *   <li>A sender outside the interface's subnets is not learned and not answered (we could not reach it).</li>
 *   <li>Learning follows RFC 826's merge rule: an existing entry is always refreshed; a new one is created
 *       only if the packet is about one of our addresses, or is gratuitous (sender IP = target IP).
 *       Static entries are never changed. Every entry created or refreshed is told to the
 *       {@link NeighbourListener} (the other agents learn it from there, not from the packet).</li>
 *   <li>Gratuitous ARP is never answered. Replies are consumed. A request for one of the interface's
 *       addresses is answered (probes from 0.0.0.0 too, to defend the address); others are dropped
 *       as not-for-us.</li>
 * </ol>
 * ARP is answered strictly per interface (no ARP flux): an address of another port is not-for-us here.
 */
public final class ArpStage {
    /** Length of an Ethernet + ARP frame without padding. */
    public static final int FRAME_LENGTH = EthernetFlyweight.HEADER_LENGTH + ArpFlyweight.LENGTH;

    private final InterfaceAddresses[] interfaces;
    private final NeighbourTable neighbours;
    private final ForwarderCounters counters;
    private final FrameSender sender;
    private final NeighbourListener listener;
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final MemorySegment requestFrame;

    public ArpStage(final InterfaceAddresses[] interfaces, final NeighbourTable neighbours, final ForwarderCounters counters,
                    final FrameSender sender) {
        this(interfaces, neighbours, counters, sender, NeighbourListener.NONE);
    }

    /**
     * @param listener hears every neighbour this stage creates or refreshes from an ARP packet.
     */
    public ArpStage(final InterfaceAddresses[] interfaces, final NeighbourTable neighbours, final ForwarderCounters counters,
                    final FrameSender sender, final NeighbourListener listener) {
        this.listener = listener;
        this.interfaces = interfaces.clone();
        this.neighbours = neighbours;
        this.counters = counters;
        this.sender = sender;
        // Scratch for generated requests; auto arena because the agent thread is not the constructing thread.
        this.requestFrame = Arena.ofAuto().allocate(64, 8);
    }

    /**
     * Handles an ARP frame received on {@code port}.
     *
     * @return a {@link Verdict}; on transmit the reply is {@link #FRAME_LENGTH} bytes at {@code offset}.
     */
    public int onFrame(final int port, final MemorySegment segment, final long offset, final int length, final long nowMs) {
        if (length < FRAME_LENGTH) {
            return Verdict.drop(DropReason.ARP_TRUNCATED);
        }
        final ArpFlyweight arp = this.arp.wrap(segment, offset + EthernetFlyweight.HEADER_LENGTH);
        if (!arp.isEthernetIpv4()) {
            return Verdict.drop(DropReason.ARP_UNSUPPORTED);
        }
        final int opcode = arp.opcode();
        if (opcode != ArpFlyweight.OPCODE_REQUEST && opcode != ArpFlyweight.OPCODE_REPLY) {
            return Verdict.drop(DropReason.ARP_BAD_OPCODE);
        }
        final long senderMac = arp.senderMac();
        final int senderIp = arp.senderIp();
        if (senderMac == 0 || Bytes.isGroupMac(senderMac) || (senderIp != 0 && Ipv4Addresses.isMartian(senderIp))) {
            return Verdict.drop(DropReason.ARP_BAD_SENDER);
        }
        final InterfaceAddresses iface = interfaces[port];
        if (iface.owns(senderIp)) {
            return Verdict.drop(DropReason.ARP_ADDRESS_CONFLICT);
        }
        final int targetIp = arp.targetIp();
        final boolean forUs = iface.owns(targetIp);
        final boolean gratuitous = senderIp == targetIp;
        if (senderIp != 0) {
            if (iface.onLinkSource(senderIp) == 0) {
                return Verdict.drop(DropReason.ARP_SENDER_OFF_LINK);
            }
            learn(senderIp, senderMac, port, nowMs, forUs || gratuitous);
        }
        if (gratuitous) {
            counters.event(ForwarderEvent.ARP_GRATUITOUS);
            return Verdict.CONSUMED;
        }
        if (!forUs) {
            return Verdict.drop(DropReason.ARP_NOT_FOR_US);
        }
        if (opcode == ArpFlyweight.OPCODE_REPLY) {
            return Verdict.CONSUMED;
        }
        final long ourMac = iface.mac();
        ethernet.wrap(segment, offset).destination(senderMac).source(ourMac);
        arp.opcode(ArpFlyweight.OPCODE_REPLY)
            .targetMac(senderMac)
            .targetIp(senderIp)
            .senderMac(ourMac)
            .senderIp(targetIp);
        counters.event(ForwarderEvent.ARP_REPLIED);
        return port;
    }

    private void learn(final int address, final long mac, final int port, final long nowMs, final boolean create) {
        switch (neighbours.learn(address, mac, port, nowMs, create)) {
            case NeighbourTable.LEARN_CREATED -> {
                counters.event(ForwarderEvent.ARP_LEARNED);
                listener.onNeighbourLearned(address, mac, port, nowMs);
            }
            case NeighbourTable.LEARN_UPDATED -> {
                counters.event(ForwarderEvent.ARP_REFRESHED);
                listener.onNeighbourLearned(address, mac, port, nowMs);
            }
            case NeighbourTable.LEARN_STATIC_KEPT -> counters.event(ForwarderEvent.ARP_STATIC_KEPT);
            case NeighbourTable.LEARN_TABLE_FULL -> counters.event(ForwarderEvent.NEIGHBOUR_TABLE_FULL);
            default -> {
                // LEARN_ABSENT: an ARP about others for an address we never needed: nothing to keep.
            }
        }
    }

    /** The index of the port whose subnets hold {@code address}, or -1 if it is off-link everywhere. */
    public int portFor(final int address) {
        final InterfaceAddresses[] interfaces = this.interfaces;
        for (int i = 0; i < interfaces.length; i++) {
            if (interfaces[i].onLinkSource(address) != 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The MAC of the on-link next hop {@code address}; if unknown, sends (rate-limited) an ARP request for
     * it out of the port whose subnet holds it and returns {@link NeighbourTable#UNRESOLVED}. The caller
     * drops or retries the packet that needed it. Use {@link #portFor} for the port to send through.
     */
    public long resolve(final int address, final long nowMs) {
        final long mac = neighbours.lookup(address, nowMs);
        if (mac != NeighbourTable.UNRESOLVED) {
            return mac;
        }
        final int port = portFor(address);
        if (port < 0) {
            counters.event(ForwarderEvent.RESOLVE_OFF_LINK);
            return NeighbourTable.UNRESOLVED;
        }
        switch (neighbours.beginResolution(address, port, nowMs)) {
            case NeighbourTable.RESOLVE_SEND_REQUEST -> sendRequest(port, address);
            case NeighbourTable.RESOLVE_RATE_LIMITED -> counters.event(ForwarderEvent.RESOLVE_RATE_LIMITED);
            case NeighbourTable.RESOLVE_PENDING_FULL -> counters.event(ForwarderEvent.RESOLVE_PENDING_FULL);
            default -> counters.event(ForwarderEvent.NEIGHBOUR_TABLE_FULL);
        }
        return NeighbourTable.UNRESOLVED;
    }

    /**
     * The MAC of {@code address} reached through {@code port} (a gateway, or a host a direct route puts on that
     * port even though it is outside the port's subnets); resolves like {@link #resolve} if unknown.
     */
    public long resolveOn(final int address, final int port, final long nowMs) {
        final long mac = neighbours.lookup(address, nowMs);
        if (mac != NeighbourTable.UNRESOLVED) {
            return mac;
        }
        switch (neighbours.beginResolution(address, port, nowMs)) {
            case NeighbourTable.RESOLVE_SEND_REQUEST -> sendRequest(port, address);
            case NeighbourTable.RESOLVE_RATE_LIMITED -> counters.event(ForwarderEvent.RESOLVE_RATE_LIMITED);
            case NeighbourTable.RESOLVE_PENDING_FULL -> counters.event(ForwarderEvent.RESOLVE_PENDING_FULL);
            default -> counters.event(ForwarderEvent.NEIGHBOUR_TABLE_FULL);
        }
        return NeighbourTable.UNRESOLVED;
    }

    /**
     * Sends an ARP request for {@code address} out of {@code port} whatever the neighbour entry's state, so a
     * next hop in use is confirmed before its entry ages out (the reply refreshes it). The caller paces it.
     *
     * @return true if the request was queued.
     */
    public boolean probe(final int address, final int port) {
        return sendRequest(port, address);
    }

    private boolean sendRequest(final int port, final int address) {
        final InterfaceAddresses iface = interfaces[port];
        final int source = iface.onLinkSource(address);
        final MemorySegment frame = requestFrame;
        ethernet.wrap(frame, 0).destination(Bytes.BROADCAST_MAC).source(iface.mac()).etherType(EthernetFlyweight.ETHER_TYPE_ARP);
        arp.wrap(frame, EthernetFlyweight.HEADER_LENGTH)
            .ethernetIpv4()
            .opcode(ArpFlyweight.OPCODE_REQUEST)
            .senderMac(iface.mac())
            .senderIp(source != 0 ? source : iface.address(0))
            .targetMac(0)
            .targetIp(address);
        if (sender.send(port, frame, 0, FRAME_LENGTH)) {
            counters.event(ForwarderEvent.ARP_REQUEST_SENT);
            return true;
        }
        counters.event(ForwarderEvent.ARP_REQUEST_TX_FAILED);
        return false;
    }
}
