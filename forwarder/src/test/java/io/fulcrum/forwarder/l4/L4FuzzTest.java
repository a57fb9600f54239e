package io.fulcrum.forwarder.l4;

import static io.fulcrum.forwarder.testing.L4Harness.BACKEND_PORT;
import static io.fulcrum.forwarder.testing.L4Harness.FIRST_LOCAL_PORT;
import static io.fulcrum.forwarder.testing.L4Harness.LOCAL_IP;
import static io.fulcrum.forwarder.testing.L4Harness.VIP;
import static io.fulcrum.forwarder.testing.TestNet.BACKEND_IP;
import static io.fulcrum.forwarder.testing.TestNet.BACKEND_MAC;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_IP;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB0_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB1_MAC;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.mem.InMemoryPacketIo;
import io.fulcrum.forwarder.proto.EthernetFlyweight;
import io.fulcrum.forwarder.proto.Ipv4Flyweight;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.L4Harness;
import io.fulcrum.forwarder.testing.PacketBuilder;

/**
 * 120 000 random and mutated L4 frames (SYNs with options, data, backend replies for local ports in use, DNAT
 * replies, UDP, ICMP errors, fragments) through an agent with the L4 stage: no exception, every frame accounted
 * for, and every IPv4 frame sent has a valid header, a matching length and a TTL no higher than it came with.
 */
class L4FuzzTest {
    private static final int FRAMES = 120_000;
    private static final int BATCH = 48;

    private static byte[][] templates() {
        final byte[] payload = new byte[40];
        final byte[] options = {2, 4, 5, (byte) 0xb4, 1, 3, 3, 7, (byte) 254, 8, 0, 1, 1, 2, 3, 4, 4, 2, 0, 0};
        final byte[] quoted = java.util.Arrays.copyOfRange(PacketBuilder.ethernet(LB1_MAC, BACKEND_MAC)
            .ipv4(LOCAL_IP, BACKEND_IP).udp(FIRST_LOCAL_PORT, BACKEND_PORT, payload).build(), 14, 42);
        return new byte[][] {
            client().tcp(33000, 80, 1, 0, 0x02, options, new byte[0]).build(),
            client().tcp(33000, 80, 2, 9, 0x10, new byte[0]).build(),
            client().tcp(33000, 80, 2, 9, 0x18, options, payload).build(),
            client().tcp(33001, 81, 1, 0, 0x02, new byte[0]).build(),
            client().tcp(33002, 82, 1, 0, 0x02, new byte[0]).build(),
            client().tcp(33003, 83, 1, 0, 0x02, new byte[0]).build(),
            client().udp(5000, 53, payload).build(),
            client().udp(5001, 54, payload).build(),
            client().id(9).fragment(true, 0).udp(5002, 53, payload).build(),
            client().id(9).fragment(false, 6).udp(5002, 53, payload).build(),
            backend(LOCAL_IP).tcp(BACKEND_PORT, FIRST_LOCAL_PORT, 8, 2, 0x12, options, new byte[0]).build(),
            backend(LOCAL_IP).udp(BACKEND_PORT, FIRST_LOCAL_PORT + 1, payload).build(),
            backend(CLIENT_IP).tcp(BACKEND_PORT, 33001, 8, 2, 0x12, new byte[0]).build(),
            backend(LOCAL_IP).icmp(3, 3, 0, 0, quoted).build(),
            client().icmp(3, 4, 0, 1400, quoted).build(),
        };
    }

    private static PacketBuilder client() {
        return PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP);
    }

    private static PacketBuilder backend(final int destination) {
        return PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).ipv4(BACKEND_IP, destination);
    }

    @Test
    void randomAndMutatedL4FramesAreAllAccountedForWithoutExceptions() {
        final SplittableRandom random = new SplittableRandom(0x14_F0_22);
        final byte[][] templates = templates();
        final byte[] buffer = new byte[2048];
        final MemorySegment bufferSegment = MemorySegment.ofArray(buffer);
        try (L4Harness l4 = new L4Harness(1 << 12, 1, 0)) {
            final AgentHarness harness = l4.agent();
            int injected = 0;
            while (injected < FRAMES) {
                final int batch = Math.min(BATCH, FRAMES - injected);
                for (int i = 0; i < batch; i++) {
                    final int template = random.nextInt(templates.length);
                    final int length = mutate(random, templates[template], buffer);
                    final int flags = random.nextInt(20) == 0 ? FrameBatch.FLAG_CSUM_NOT_READY : 0;
                    final int port = buffer[5] == (byte) LB1_MAC ? 1 : 0;
                    assertThat(harness.port(port).inject(bufferSegment, 0, length, flags)).isTrue();
                }
                injected += batch;
                harness.cycle();
                if (random.nextInt(100) == 0) {
                    harness.advanceMs(random.nextInt(20_000));
                }
                for (int port = 0; port < 2; port++) {
                    check(harness.port(port));
                    harness.port(port).clearTx();
                }
            }
            harness.cycle();
            assertThat(harness.errors()).isEmpty();
            assertThat(harness.counters().events(ForwarderEvent.EXCEPTION)).isZero();
            assertThat(harness.counters().rxFrames()).isEqualTo(FRAMES);
            assertThat(harness.unaccounted()).isZero();
            assertThat(harness.counters().events(ForwarderEvent.FLOW_CREATED)).isGreaterThan(100);
            assertThat(harness.counters().transmittedCount()).isGreaterThan(FRAMES / 10);
        }
    }

    private static int mutate(final SplittableRandom random, final byte[] template, final byte[] buffer) {
        System.arraycopy(template, 0, buffer, 0, template.length);
        int length = template.length;
        final int kind = random.nextInt(6);
        if (kind == 0) {
            return length;
        }
        if (kind == 1) {
            length = 14 + random.nextInt(template.length - 13);
        }
        final int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips && length > 14; i++) {
            // Mostly the IP and L4 headers and options, where the decisions are; keep the MACs so frames arrive.
            final int at = 12 + random.nextInt(Math.min(length, 80) - 12);
            buffer[at] ^= (byte) (1 + random.nextInt(255));
        }
        return length;
    }

    private static void check(final InMemoryPacketIo port) {
        for (int i = 0; i < port.txCount(); i++) {
            final MemorySegment frame = port.txMemory().asSlice((long) i * port.frameSize(), port.txLength(i));
            final EthernetFlyweight ethernet = new EthernetFlyweight().wrap(frame, 0);
            assertThat(ethernet.source()).isEqualTo(port.macAddress());
            if (ethernet.etherType() == EthernetFlyweight.ETHER_TYPE_IPV4) {
                final Ipv4Flyweight ip = new Ipv4Flyweight().wrap(frame, 14);
                assertThat(ip.isChecksumValid()).isTrue();
                assertThat(14 + ip.totalLength()).isEqualTo((int) frame.byteSize());
                assertThat(ip.ttl()).isLessThanOrEqualTo(64);
            }
        }
    }
}
