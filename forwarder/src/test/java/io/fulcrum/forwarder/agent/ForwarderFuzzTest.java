package io.fulcrum.forwarder.agent;

import static io.fulcrum.forwarder.testing.TestNet.BACKEND_IP;
import static io.fulcrum.forwarder.testing.TestNet.BROADCAST_MAC;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_IP;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_MAC;
import static io.fulcrum.forwarder.testing.TestNet.HOST2_IP;
import static io.fulcrum.forwarder.testing.TestNet.HOST2_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB0_IP;
import static io.fulcrum.forwarder.testing.TestNet.LB0_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB1_IP;
import static io.fulcrum.forwarder.testing.TestNet.LB1_MAC;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.mem.InMemoryPacketIo;
import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.proto.Checksums;
import io.fulcrum.forwarder.proto.EthernetFlyweight;
import io.fulcrum.forwarder.proto.Ipv4Flyweight;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.PacketBuilder;

/**
 * 120 000 random and mutated frames through the agent: no exception (escaping or caught), every frame
 * accounted for (rx = transmit + consume + drops), and every frame sent is well-formed.
 */
class ForwarderFuzzTest {
    private static final int FRAMES = 120_000;
    private static final int BATCH = 48;

    private static byte[][] templates() {
        final byte[] payload = new byte[56];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        return new byte[][] {
            PacketBuilder.ethernet(CLIENT_MAC, BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, LB0_IP).build(),
            PacketBuilder.ethernet(CLIENT_MAC, BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, LB0_IP).padTo(60).build(),
            PacketBuilder.ethernet(HOST2_MAC, LB0_MAC).arpReply(HOST2_MAC, HOST2_IP, LB0_MAC, LB0_IP).build(),
            PacketBuilder.ethernet(HOST2_MAC, BROADCAST_MAC).gratuitousArp(HOST2_MAC, HOST2_IP).build(),
            PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(7, 1, payload).build(),
            PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB1_IP).icmpEcho(7, 1, new byte[3]).padTo(60).build(),
            PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).options(new byte[] {7, 11, 4, 0, 0, 0, 0, 0, 0,
                0, 0}).icmpEcho(7, 2, payload).build(),
            PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(7, 3, payload).partialChecksum().build(),
            PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).udp(4000, 53, payload).build(),
            PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).tcp(4000, 80, 1, 2, 0x02, new byte[0])
                .partialChecksum().build(),
            PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmp(3, 3, 0, 0, payload).build(),
            PacketBuilder.ethernet(CLIENT_MAC, LB1_MAC).ipv4(BACKEND_IP, LB1_IP).icmpEcho(9, 9, payload).build(),
        };
    }

    @Test
    void randomAndMutatedFramesAreAllAccountedForWithoutExceptions() {
        final SplittableRandom random = new SplittableRandom(0xF0_1C_4B);
        final byte[][] templates = templates();
        final byte[] buffer = new byte[2048];
        final MemorySegment bufferSegment = MemorySegment.ofArray(buffer);
        long injectedBytes = 0;
        long sent = 0;
        try (AgentHarness harness = new AgentHarness()) {
            int injected = 0;
            while (injected < FRAMES) {
                final int batch = Math.min(BATCH, FRAMES - injected);
                for (int i = 0; i < batch; i++) {
                    final int length = nextFrame(random, templates, buffer);
                    final int flags = random.nextInt(10) == 0 ? FrameBatch.FLAG_CSUM_NOT_READY
                        : random.nextInt(200) == 0 ? FrameBatch.FLAG_TRUNCATED : 0;
                    final int port = random.nextInt(5) == 0 ? 1 : 0;
                    assertThat(harness.port(port).inject(bufferSegment, 0, length, flags)).isTrue();
                    injectedBytes += length;
                }
                injected += batch;
                harness.cycle();
                if (random.nextInt(50) == 0) {
                    harness.advanceMs(random.nextInt(5000));
                }
                for (int port = 0; port < 2; port++) {
                    sent += checkTransmitted(harness.port(port));
                    harness.port(port).clearTx();
                }
            }
            harness.cycle();
            final var counters = harness.counters();
            assertThat(harness.errors()).isEmpty();
            assertThat(counters.events(ForwarderEvent.EXCEPTION)).isZero();
            assertThat(counters.rxFrames()).isEqualTo(FRAMES);
            assertThat(counters.rxBytes()).isEqualTo(injectedBytes);
            assertThat(harness.unaccounted()).isZero();
            assertThat(counters.transmittedCount()).isEqualTo(sent);
            // The mutations leave plenty of valid frames: the reply paths were exercised, not only the drops.
            assertThat(counters.events(ForwarderEvent.ARP_REPLIED)).isGreaterThan(1000);
            assertThat(counters.events(ForwarderEvent.ICMP_ECHO_REPLIED)).isGreaterThan(1000);
            assertThat(counters.dropTotal()).isGreaterThan(FRAMES / 4);
        }
    }

    /** Writes a frame into {@code buffer} and returns its length. */
    private static int nextFrame(final SplittableRandom random, final byte[][] templates, final byte[] buffer) {
        final int kind = random.nextInt(8);
        if (kind == 0) {
            final int length = random.nextInt(2049);
            for (int i = 0; i < length; i++) {
                buffer[i] = (byte) random.nextInt(256);
            }
            return length;
        }
        final byte[] template = templates[random.nextInt(templates.length)];
        System.arraycopy(template, 0, buffer, 0, template.length);
        int length = template.length;
        if (kind == 1) {
            return length; // unmodified
        }
        if (kind == 2 || kind == 3) {
            length = random.nextInt(template.length + 1);
        } else if (kind == 4) {
            final int extra = random.nextInt(2048 - template.length + 1);
            for (int i = 0; i < extra; i++) {
                buffer[template.length + i] = (byte) random.nextInt(256);
            }
            length += extra;
        }
        final int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips && length > 0; i++) {
            final int position = random.nextInt(length);
            // Favour the headers, where the decisions are.
            final int at = random.nextBoolean() ? position % Math.min(length, 60) : position;
            buffer[at] ^= (byte) (1 + random.nextInt(255));
        }
        return length;
    }

    /** Every frame we send is an Ethernet frame from our MAC with, for IPv4, valid IP and ICMP checksums. */
    private static int checkTransmitted(final InMemoryPacketIo port) {
        for (int i = 0; i < port.txCount(); i++) {
            final MemorySegment frame = port.txMemory().asSlice((long) i * port.frameSize(), port.txLength(i));
            assertThat(frame.byteSize()).isGreaterThanOrEqualTo(42);
            final EthernetFlyweight ethernet = new EthernetFlyweight().wrap(frame, 0);
            assertThat(ethernet.source()).isEqualTo(port.macAddress());
            assertThat(Bytes.isGroupMac(ethernet.destination())).isFalse();
            if (ethernet.etherType() == EthernetFlyweight.ETHER_TYPE_IPV4) {
                final Ipv4Flyweight ip = new Ipv4Flyweight().wrap(frame, 14);
                assertThat(ip.isChecksumValid()).isTrue();
                assertThat(14 + ip.totalLength()).isEqualTo((int) frame.byteSize());
                assertThat(ip.ttl()).isEqualTo(64);
                assertThat(Checksums.fold(Checksums.sum(frame, 14 + ip.headerLength(),
                    ip.totalLength() - ip.headerLength(), 0))).isEqualTo(0xffff);
            } else {
                assertThat(ethernet.etherType()).isEqualTo(EthernetFlyweight.ETHER_TYPE_ARP);
            }
        }
        return port.txCount();
    }
}
