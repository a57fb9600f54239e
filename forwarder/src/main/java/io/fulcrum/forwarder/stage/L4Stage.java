package io.fulcrum.forwarder.stage;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.neighbour.NeighbourListener;
import io.fulcrum.forwarder.proto.Ipv4Flyweight;

/**
 * The hook where the L4 path (connection tracking, scheduler, transmit per forwarding mode) plugs in:
 * it receives every TCP and UDP packet addressed to this agent after IPv4 validation, ICMP errors
 * (destination unreachable, time exceeded) and, if {@link #tracksFlows()}, TCP/UDP/ICMP-error packets
 * addressed to other hosts (DNAT replies that backends route through the load balancer).
 *
 * <p>On entry the IPv4 header is valid (version, lengths, checksum), the L4 segment of a TCP/UDP packet is at
 * least as long as its fixed header (8 bytes UDP, 20 bytes TCP) and any CHECKSUM_PARTIAL checksum has been
 * completed. First fragments (more-fragments set, offset 0) come through {@link #onPacket}; later fragments
 * through {@link #onFragment}. The implementation may rewrite the frame in place; to send it, it returns a port
 * index and the frame length sent is {@code 14 + ip.totalLength()} (or what it gave
 * {@link L4Context#transmitFrom}). Called on the agent thread only; must not allocate, block or throw for bad
 * input.
 */
@FunctionalInterface
public interface L4Stage extends NeighbourListener {
    /**
     * @param port        the receiving port's index.
     * @param segment     the memory holding the frame.
     * @param frameOffset the frame's offset (its Ethernet header).
     * @param ip          the IPv4 header, wrapped at {@code frameOffset + 14}.
     * @param nowMs       the duty cycle's clock.
     * @return a {@link Verdict}.
     */
    int onPacket(int port, MemorySegment segment, long frameOffset, Ipv4Flyweight ip, long nowMs);

    /**
     * A non-first IPv4 fragment (offset above 0) for a local or, with {@link #tracksFlows()}, any address.
     *
     * @return a {@link Verdict}; by default dropped as {@link DropReason#IPV4_FRAGMENT}.
     */
    default int onFragment(final int port, final MemorySegment segment, final long frameOffset, final Ipv4Flyweight ip,
                           final long nowMs) {
        return Verdict.drop(DropReason.IPV4_FRAGMENT);
    }

    /**
     * True if this stage tracks flows: then it is also offered packets to addresses the agent does not own (DNAT
     * replies), ICMP errors and later fragments.
     */
    default boolean tracksFlows() {
        return false;
    }

    /** Called once by the agent that owns this stage, before its first duty cycle. */
    default void attach(final L4Context context) {
    }

    /**
     * Called once per duty cycle before the ports are polled: bounded housekeeping (snapshot changes, flow expiry,
     * frames handed over by other agents).
     *
     * @return work done, for the idle strategy.
     */
    default int doWork(final long nowMs) {
        return 0;
    }

    /**
     * The agent's ARP stage created or refreshed a neighbour from an ARP packet: a stage that spans several agents
     * tells the others (ARP reaches only one of them). Nothing by default.
     */
    @Override
    default void onNeighbourLearned(final int address, final long mac, final int port, final long nowMs) {
    }

    /** Called when the owning agent closes: frees what the stage allocated off-heap. */
    default void onClose() {
    }

    /** The stage used until the L4 path exists: nothing listens, every TCP/UDP packet is dropped. */
    L4Stage NO_LISTENER = (port, segment, frameOffset, ip, nowMs) -> Verdict.drop(DropReason.NO_LISTENER);
}
