package io.fulcrum.forwarder.l4;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The cross-agent fallback for packet steering: one single-producer single-consumer ring (Agrona
 * {@link OneToOneRingBuffer}) per ordered pair of agents, so an agent that receives a frame of a flow another
 * agent owns copies it into that agent's ring, and the owner runs it at its next duty cycle. Lock-free,
 * allocation-free after construction; each ring has one writer thread and one reader thread.
 *
 * <p>The same rings carry the neighbours an agent learns from ARP to every other agent (ARP reaches only one agent),
 * as small records read in order with the frames:
 *
 * <pre>
 *   ring[from][to]:  agent "from" writes, agent "to" reads
 *   frame:      message type = 1 + (port &lt;&lt; 4 | frame flags), body = the Ethernet frame
 *   neighbour:  message type = NEIGHBOUR_MESSAGE, body (16 bytes, native byte order):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 IPv4 address (int, as NeighbourTable keys it) |  0
 *   +---------------------------------------------------------------+
 *   |                 port (interface index)                        |  4
 *   +---------------------------------------------------------------+
 *   |                 MAC (long, low 48 bits)                       |  8
 *   |                                                               |
 *   +---------------------------------------------------------------+
 * </pre>
 */
public final class HandoffRings implements AutoCloseable {
    /** Default bytes of each ring (a power of two): 256 KiB, about 170 full-size frames. */
    public static final int DEFAULT_RING_BYTES = 256 * 1024;
    /** Message type of a neighbour record; frame types ({@code 1 + (port << 4 | flags)}) stay far below it. */
    static final int NEIGHBOUR_MESSAGE = 1 << 30;
    static final int NEIGHBOUR_ADDRESS_OFFSET = 0;
    static final int NEIGHBOUR_PORT_OFFSET = 4;
    static final int NEIGHBOUR_MAC_OFFSET = 8;
    static final int NEIGHBOUR_LENGTH = 16;

    private final int agents;
    private final Arena arena = Arena.ofShared();
    private final OneToOneRingBuffer[] rings;
    private final MemorySegment[] memory;

    /**
     * @param agents    number of agents (at least 2).
     * @param ringBytes bytes of each ring, a power of two.
     */
    public HandoffRings(final int agents, final int ringBytes) {
        if (agents < 2) {
            throw new IllegalArgumentException("handoff needs at least 2 agents: " + agents);
        }
        if (Integer.bitCount(ringBytes) != 1) {
            throw new IllegalArgumentException("ring bytes must be a power of two: " + ringBytes);
        }
        this.agents = agents;
        this.rings = new OneToOneRingBuffer[agents * agents];
        this.memory = new MemorySegment[agents * agents];
        for (int from = 0; from < agents; from++) {
            for (int to = 0; to < agents; to++) {
                if (from != to) {
                    final int length = ringBytes + RingBufferDescriptor.TRAILER_LENGTH;
                    final MemorySegment segment = arena.allocate(length, 64);
                    memory[from * agents + to] = segment;
                    rings[from * agents + to] = new OneToOneRingBuffer(new UnsafeBuffer(segment.address(), length));
                }
            }
        }
    }

    public int agents() {
        return agents;
    }

    /** The ring agent {@code from} writes for agent {@code to}. */
    OneToOneRingBuffer ring(final int from, final int to) {
        return rings[from * agents + to];
    }

    /** The memory of that ring, to copy frames in and read them in place. */
    MemorySegment memory(final int from, final int to) {
        return memory[from * agents + to];
    }

    @Override
    public void close() {
        arena.close();
    }
}
