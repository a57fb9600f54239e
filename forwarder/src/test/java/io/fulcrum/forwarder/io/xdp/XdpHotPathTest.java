package io.fulcrum.forwarder.io.xdp;

import static io.fulcrum.forwarder.io.xdp.VethNetwork.LB_IF;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.LB_MAC;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.PEER_IF;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.PEER_IP;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.PEER_MAC;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.VIP;
import static org.assertj.core.api.Assertions.assertThat;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.sys.NetNamespace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Two AF_XDP ports facing each other across a veth pair, driven from one thread: every hot-path method
 * (receive, releaseRx, transmit, flush) of both ports runs many thousands of times, and the thread's
 * allocated-bytes counter must not move.
 */
class XdpHotPathTest {
    private static final int WARM_UP_CYCLES = 10_000;
    private static final int MEASURED_CYCLES = 30_000;
    private static final int BURST = 8;
    private static final int WINDOWS = 3;

    @Test
    void receiveTransmitAndFlushAllocateNothing() {
        try (VethNetwork network = VethNetwork.create(); Arena arena = Arena.ofConfined()) {
            final XdpPacketIo lb;
            try (NetNamespace ignored = NetNamespace.enter(network.lb)) {
                lb = XdpPacketIo.open(XdpConfiguration.defaults(LB_IF).withFrames(1024, 2048)
                    .withMode(XdpConfiguration.Mode.NATIVE).withOwnedAddresses(VIP));
            }
            final XdpPacketIo peer;
            try (NetNamespace ignored = NetNamespace.enter(network.peer)) {
                peer = XdpPacketIo.open(XdpConfiguration.defaults(PEER_IF).withFrames(1024, 2048)
                    .withMode(XdpConfiguration.Mode.NATIVE).withOwnedAddresses(PEER_IP));
            }
            try (lb; peer) {
                final MemorySegment toPeer = arena.allocate(128);
                final byte[] udpToPeer = TestFrames.udp(LB_MAC, PEER_MAC, VIP, PEER_IP, 1000, 2000, new byte[18]);
                MemorySegment.copy(MemorySegment.ofArray(udpToPeer), 0, toPeer, 0, udpToPeer.length);
                final MemorySegment toLb = arena.allocate(128);
                final byte[] udpToLb = TestFrames.udp(PEER_MAC, LB_MAC, PEER_IP, VIP, 2000, 1000, new byte[18]);
                MemorySegment.copy(MemorySegment.ofArray(udpToLb), 0, toLb, 0, udpToLb.length);
                final FrameBatch lbBatch = new FrameBatch(64);
                final FrameBatch peerBatch = new FrameBatch(64);
                final long[] counts = new long[2];

                run(lb, peer, toPeer, udpToPeer.length, toLb, udpToLb.length, lbBatch, peerBatch, WARM_UP_CYCLES, counts);
                // A window can catch the JIT recompiling (deoptimised frames allocate); any per-frame allocation
                // shows in every window, so one clean window out of three proves the steady state.
                final List<String> windows = new ArrayList<>();
                for (int window = 0; window < WINDOWS; window++) {
                    counts[0] = 0;
                    counts[1] = 0;
                    final long before = allocatedBytes();
                    run(lb, peer, toPeer, udpToPeer.length, toLb, udpToLb.length, lbBatch, peerBatch, MEASURED_CYCLES, counts);
                    final long allocated = allocatedBytes() - before;
                    windows.add(allocated + " bytes for " + (counts[0] + counts[1]) + " frames");
                    assertThat(counts[0]).as("frames received by the peer port").isGreaterThan(MEASURED_CYCLES);
                    assertThat(counts[1]).as("frames echoed back to the LB port").isGreaterThan(MEASURED_CYCLES);
                    if (allocated == 0) {
                        break;
                    }
                }
                assertThat(windows.getLast()).as("allocation per window of " + MEASURED_CYCLES + " cycles: " + windows)
                    .startsWith("0 bytes");
            }
        }
    }

    /**
     * The calling thread's allocated bytes (com.sun.management.ThreadMXBean), through a method handle that
     * returns a primitive: the forwarder module does not read java.management, and boxing would allocate.
     */
    private static long allocatedBytes() {
        try {
            return (long) ALLOCATED_BYTES.invokeExact();
        } catch (final Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static final MethodHandle ALLOCATED_BYTES = allocatedBytesHandle();

    private static MethodHandle allocatedBytesHandle() {
        try {
            final Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            final Object bean = factory.getMethod("getThreadMXBean").invoke(null);
            final Class<?> type = Class.forName("com.sun.management.ThreadMXBean");
            return MethodHandles.publicLookup()
                .findVirtual(type, "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class))
                .bindTo(bean);
        } catch (final ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One duty cycle per iteration on each port; counts[0] = frames the peer received, counts[1] = the LB. */
    private static void run(final XdpPacketIo lb, final XdpPacketIo peer, final MemorySegment toPeer, final int toPeerLength,
                            final MemorySegment toLb, final int toLbLength, final FrameBatch lbBatch,
                            final FrameBatch peerBatch, final int cycles, final long[] counts) {
        for (int cycle = 0; cycle < cycles; cycle++) {
            for (int i = 0; i < BURST; i++) {
                lb.transmit(toPeer, 0, toPeerLength);
            }
            lb.flush();
            final int atPeer = peer.receive(peerBatch);
            for (int i = 0; i < atPeer; i++) {
                peer.transmit(toLb, 0, toLbLength);
            }
            peer.releaseRx(peerBatch);
            peer.flush();
            counts[0] += atPeer;
            counts[1] += lb.receive(lbBatch);
            lb.releaseRx(lbBatch);
        }
    }
}
