package io.fulcrum.forwarder.stage;

import java.lang.foreign.MemorySegment;

/**
 * Sends a frame the stages generate themselves (not a rewritten received frame), e.g. an ARP request
 * for next-hop resolution. The agent implements it over its ports and counts what it sends.
 */
@FunctionalInterface
public interface FrameSender {
    /**
     * Queues {@code length} bytes at {@code offset} of {@code frame} for transmission on {@code port}.
     *
     * @return false if the port's transmit ring is full.
     */
    boolean send(int port, MemorySegment frame, long offset, int length);
}
