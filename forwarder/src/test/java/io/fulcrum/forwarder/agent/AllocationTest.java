package io.fulcrum.forwarder.agent;

import static io.fulcrum.forwarder.testing.TestNet.BACKEND_IP;
import static io.fulcrum.forwarder.testing.TestNet.BROADCAST_MAC;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_IP;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB0_IP;
import static io.fulcrum.forwarder.testing.TestNet.LB0_MAC;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.io.mem.InMemoryPacketIo;
import io.fulcrum.forwarder.stage.ArpStage;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.PacketBuilder;

/**
 * The steady-state duty cycle allocates nothing: a million {@code doWork()} calls with ARP and ICMP traffic
 * (replies built, transmitted, flushed), drops, neighbour learning and resolution, measured with the
 * thread's allocated-bytes counter after a warm-up.
 */
class AllocationTest {
    private static final int WARM_UP_CYCLES = 200_000;
    private static final int MEASURED_CYCLES = 1_000_000;

    @Test
    void aMillionDutyCyclesAllocateNothing() {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        try (AgentHarness harness = new AgentHarness(); Arena arena = Arena.ofConfined()) {
            final MemorySegment[] frames = {
                copy(arena, PacketBuilder.ethernet(CLIENT_MAC, BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, LB0_IP).build()),
                copy(arena, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(1, 1, new byte[56])
                    .build()),
                copy(arena, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(1, 1, new byte[8])
                    .badIpChecksum().build()),
                copy(arena, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).udp(1, 2, new byte[8]).build()),
            };
            final InMemoryPacketIo port = harness.port(0);
            final ArpStage arp = harness.agent().processor().arp();

            run(harness, port, arp, frames, WARM_UP_CYCLES);
            final long before = threads.getCurrentThreadAllocatedBytes();
            run(harness, port, arp, frames, MEASURED_CYCLES);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertThat(harness.counters().rxFrames()).isEqualTo(WARM_UP_CYCLES + MEASURED_CYCLES);
            assertThat(harness.unaccounted()).isZero();
            assertThat(allocated).as("bytes allocated by %d duty cycles", MEASURED_CYCLES).isLessThan(1024);
        }
    }

    private static void run(final AgentHarness harness, final InMemoryPacketIo port, final ArpStage arp,
                            final MemorySegment[] frames, final int cycles) {
        for (int i = 0; i < cycles; i++) {
            final MemorySegment frame = frames[i & 3];
            port.inject(frame, 0, (int) frame.byteSize(), 0);
            harness.agent().doWork();
            if ((i & 1023) == 0) {
                arp.resolve(BACKEND_IP + (i >>> 10 & 31), harness.nowMs());
                harness.advanceMs(100);
                harness.port(1).clearTx();
            }
            port.clearTx();
        }
    }

    private static MemorySegment copy(final Arena arena, final byte[] frame) {
        final MemorySegment segment = arena.allocate(frame.length);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, segment, 0, frame.length);
        return segment;
    }
}
