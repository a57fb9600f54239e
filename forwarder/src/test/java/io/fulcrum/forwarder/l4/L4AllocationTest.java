package io.fulcrum.forwarder.l4;

import static io.fulcrum.forwarder.testing.L4Harness.BACKEND_PORT;
import static io.fulcrum.forwarder.testing.L4Harness.LOCAL_IP;
import static io.fulcrum.forwarder.testing.L4Harness.VIP;
import static io.fulcrum.forwarder.testing.TestNet.BACKEND_IP;
import static io.fulcrum.forwarder.testing.TestNet.BACKEND_MAC;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_IP;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB0_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB1_MAC;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.L4Harness;
import io.fulcrum.forwarder.testing.PacketBuilder;

/**
 * The L4 path allocates nothing per packet: a million duty cycles with a FULLNAT TCP flow (TOA insertion, both
 * directions), a new UDP flow every cycle (scheduler pick, local port, insert) and idle expiry of the old ones
 * (timer wheel, port release), measured with the thread's allocated-bytes counter after a warm-up.
 */
class L4AllocationTest {
    private static final int WARM_UP_CYCLES = 200_000;
    private static final int MEASURED_CYCLES = 1_000_000;

    @Test
    void aMillionL4DutyCyclesAllocateNothing() {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (L4Harness l4 = new L4Harness(1 << 16, 1, 0); Arena arena = Arena.ofConfined()) {
            final AgentHarness harness = l4.agent();
            harness.process(0, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP)
                .tcp(33000, 80, 100, 0, 0x02, new byte[] {2, 4, 5, (byte) 0xb4}, new byte[0]).build(), 0);
            final int localPort = L4Harness.FIRST_LOCAL_PORT;
            harness.process(1, PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).ipv4(BACKEND_IP, LOCAL_IP)
                .tcp(BACKEND_PORT, localPort, 500, 101, 0x12, new byte[] {2, 4, 5, (byte) 0xb4}, new byte[0]).build(), 0);
            final MemorySegment clientData = copy(arena, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP)
                .tcp(33000, 80, 101, 501, 0x18, new byte[512]).build());
            final MemorySegment backendAck = copy(arena, PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).ipv4(BACKEND_IP, LOCAL_IP)
                .tcp(BACKEND_PORT, localPort, 501, 101, 0x10, new byte[0]).build());
            final MemorySegment udp = copy(arena, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP)
                .udp(1, 53, new byte[32]).build());

            run(harness, clientData, backendAck, udp, 0, WARM_UP_CYCLES);
            final long before = threads.getCurrentThreadAllocatedBytes();
            run(harness, clientData, backendAck, udp, WARM_UP_CYCLES, MEASURED_CYCLES);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertThat(harness.counters().events(ForwarderEvent.TOA_ADDED)).isPositive();
            assertThat(harness.counters().events(ForwarderEvent.FLOW_EXPIRED)).isPositive();
            assertThat(harness.counters().events(ForwarderEvent.FLOW_CREATED)).isGreaterThan(10_000);
            assertThat(harness.errors()).isEmpty();
            assertThat(harness.unaccounted()).isZero();
            assertThat(allocated).as("bytes allocated by %d L4 duty cycles", MEASURED_CYCLES).isLessThan(1024);
        }
    }

    private static void run(final AgentHarness harness, final MemorySegment clientData, final MemorySegment backendAck,
                            final MemorySegment udp, final int first, final int cycles) {
        for (int i = first; i < first + cycles; i++) {
            harness.port(0).inject(clientData, 0, (int) clientData.byteSize(), 0);
            if ((i & 3) == 0) {
                harness.port(1).inject(backendAck, 0, (int) backendAck.byteSize(), 0);
            }
            // A new UDP client port every cycle; flows expire after 10 s, so the 100 local ports are reused over and over.
            Bytes.u16(udp, 34, 1024 + (i & 0xffff) % 60000);
            harness.port(0).inject(udp, 0, (int) udp.byteSize(), 0);
            harness.agent().doWork();
            harness.advanceMs(1);
            if ((i & 63) == 0) {
                harness.port(0).clearTx();
                harness.port(1).clearTx();
            }
        }
    }

    private static MemorySegment copy(final Arena arena, final byte[] frame) {
        final MemorySegment segment = arena.allocate(frame.length);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, segment, 0, frame.length);
        return segment;
    }
}
