package io.fulcrum.forwarder.stage;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.proto.Ipv4Flyweight;

/**
 * The hook where the L4 path (connection tracking, scheduler, transmit per forwarding mode) plugs in:
 * it receives every TCP and UDP packet addressed to this agent after IPv4 validation.
 *
 * <p>On entry the IPv4 header is valid (version, lengths, checksum), the packet is not a fragment, the
 * L4 segment is at least as long as its fixed header (8 bytes UDP, 20 bytes TCP) and any
 * CHECKSUM_PARTIAL checksum has been completed. The implementation may rewrite the frame in place; to
 * send it, it returns a port index and the frame length sent is {@code 14 + ip.totalLength()}.
 * Called on the agent thread only; must not allocate, block or throw for bad input.
 */
@FunctionalInterface
public interface L4Stage {
    /**
     * @param port        the receiving port's index.
     * @param segment     the memory holding the frame.
     * @param frameOffset the frame's offset (its Ethernet header).
     * @param ip          the IPv4 header, wrapped at {@code frameOffset + 14}.
     * @param nowMs       the duty cycle's clock.
     * @return a {@link Verdict}.
     */
    int onPacket(int port, MemorySegment segment, long frameOffset, Ipv4Flyweight ip, long nowMs);

    /** The stage used until the L4 path exists: nothing listens, every TCP/UDP packet is dropped. */
    L4Stage NO_LISTENER = (port, segment, frameOffset, ip, nowMs) -> Verdict.drop(DropReason.NO_LISTENER);
}
