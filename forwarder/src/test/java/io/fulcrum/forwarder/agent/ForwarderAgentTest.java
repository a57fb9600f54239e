package io.fulcrum.forwarder.agent;

import static io.fulcrum.forwarder.testing.TestNet.BROADCAST_MAC;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_IP;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB0_IP;
import static io.fulcrum.forwarder.testing.TestNet.LB0_MAC;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.proto.Checksums;
import io.fulcrum.forwarder.proto.Ipv4Flyweight;
import io.fulcrum.forwarder.stage.DropReason;
import io.fulcrum.forwarder.stage.ForwarderCounterTypes;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.stage.L4Stage;
import io.fulcrum.forwarder.stage.Verdict;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.PacketBuilder;

class ForwarderAgentTest {

    private static byte[] ping(final int sequence) {
        return PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(1, sequence, new byte[32]).build();
    }

    @Test
    void aBatchIsProcessedInOneCycleAndRepliesAreFlushed() {
        try (AgentHarness harness = new AgentHarness()) {
            for (int i = 0; i < 10; i++) {
                harness.inject(0, ping(i));
            }
            assertThat(harness.cycle()).isEqualTo(20); // 10 received + 10 flushed
            assertThat(harness.tx(0)).hasSize(10);
            assertThat(harness.port(0).flushedFrames()).isEqualTo(10);
            assertThat(harness.cycle()).isZero();
        }
    }

    @Test
    void moreFramesThanTheBatchSizeTakeSeveralCycles() {
        try (AgentHarness harness = new AgentHarness()) {
            for (int i = 0; i < 100; i++) {
                harness.inject(0, ping(i));
            }
            harness.cycle();
            assertThat(harness.counters().rxFrames()).isEqualTo(64);
            harness.cycle();
            assertThat(harness.counters().rxFrames()).isEqualTo(100);
            assertThat(harness.tx(0)).hasSize(100);
        }
    }

    @Test
    void aFullTransmitRingIsCountedAsADrop() {
        try (AgentHarness harness = new AgentHarness(AgentHarness.defaultConfiguration(), L4Stage.NO_LISTENER, 4)) {
            for (int i = 0; i < 6; i++) {
                harness.inject(0, ping(i));
            }
            harness.cycle();
            assertThat(harness.tx(0)).hasSize(4);
            assertThat(harness.counters().drops(DropReason.TX_RING_FULL)).isEqualTo(2);
            assertThat(harness.unaccounted()).isZero();
        }
    }

    @Test
    void anExceptionDropsOnlyItsFrameAndIsReportedOncePerSecond() {
        final L4Stage throwing = (port, segment, frameOffset, ip, nowMs) -> {
            throw new IllegalStateException("bug in an L4 stage");
        };
        try (AgentHarness harness = new AgentHarness(AgentHarness.defaultConfiguration(), throwing, 256)) {
            final byte[] udp = PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).udp(1, 2, new byte[4]).build();
            harness.inject(0, ping(1)).inject(0, udp).inject(0, ping(2)).inject(0, udp).inject(0, ping(3));
            harness.cycle();
            assertThat(harness.tx(0)).hasSize(3);
            assertThat(harness.counters().drops(DropReason.INTERNAL_ERROR)).isEqualTo(2);
            assertThat(harness.counters().events(ForwarderEvent.EXCEPTION)).isEqualTo(2);
            assertThat(harness.errors()).hasSize(1);
            assertThat(harness.unaccounted()).isZero();
            assertThat(harness.port(0).rxPending()).isZero();

            harness.advanceMs(1000);
            harness.process(0, udp, 0);
            assertThat(harness.errors()).hasSize(2);
        }
    }

    @Test
    void theL4HookSeesCompletedChecksumsForChecksumPartialFrames() {
        final List<Boolean> valid = new ArrayList<>();
        final L4Stage checking = (port, segment, frameOffset, ip, nowMs) -> {
            final int l4Length = ip.totalLength() - ip.headerLength();
            valid.add(Checksums.isL4ChecksumValid(segment, ip.payloadOffset(), l4Length, ip.source(), ip.destination(),
                ip.protocol()));
            return Verdict.drop(DropReason.NO_LISTENER);
        };
        try (AgentHarness harness = new AgentHarness(AgentHarness.defaultConfiguration(), checking, 256)) {
            final PacketBuilder udp = PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP)
                .udp(5000, 53, new byte[33]);
            final PacketBuilder tcp = PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP)
                .tcp(40000, 80, 123, 456, 0x18, "GET / HTTP/1.1\r\n".getBytes());
            final byte[] udpPartial = udp.partialChecksum().build();
            final byte[] tcpPartial = tcp.partialChecksum().build();
            harness.process(0, udpPartial, FrameBatch.FLAG_CSUM_NOT_READY);
            harness.process(0, tcpPartial, FrameBatch.FLAG_CSUM_NOT_READY);
            // Without the flag (AF_XDP loses it): a field holding exactly the pseudo-header sum is taken as partial
            harness.process(0, udpPartial, 0);
            harness.process(0, tcpPartial, 0);
            // a field that is neither valid nor the pseudo-header sum is left alone: the receiver drops the segment
            final byte[] tcpCorrupt = tcpPartial.clone();
            tcpCorrupt[tcpCorrupt.length - 1] ^= 0x5a;
            tcpCorrupt[14 + 20 + 16] ^= 0x01;
            harness.process(0, tcpCorrupt, 0);
            // a valid checksum is kept as it is
            harness.process(0, PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP)
                .tcp(40000, 80, 123, 456, 0x18, "GET / HTTP/1.1\r\n".getBytes()).build(), 0);
            assertThat(valid).containsExactly(true, true, true, true, false, true);
            assertThat(harness.counters().events(ForwarderEvent.CHECKSUM_COMPLETED)).isEqualTo(4);
        }
    }

    @Test
    void countersAreLabelledAndTypedForStats() {
        try (AgentHarness harness = new AgentHarness()) {
            harness.process(PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, LB0_IP).icmpEcho(1, 1, new byte[8])
                .badIpChecksum().build());
            final CountersReader reader = harness.countersManager();
            final List<String> labels = new ArrayList<>();
            final long[] badChecksum = {-1};
            reader.forEach((counterId, typeId, keyBuffer, label) -> {
                labels.add(label);
                if (typeId == ForwarderCounterTypes.DROP
                    && keyBuffer.getInt(4) == DropReason.IPV4_BAD_CHECKSUM.ordinal() && keyBuffer.getInt(0) == 0) {
                    badChecksum[0] = reader.getCounterValue(counterId);
                }
            });
            assertThat(labels).contains("agent-0 rx frames", "agent-0 tx bytes", "agent-0 verdict transmit",
                "agent-0 drop ipv4-bad-checksum", "agent-0 event arp-replied", "agent-0 port lb0 kernel-drops");
            assertThat(badChecksum[0]).isEqualTo(1);
            harness.counters().close();
            assertThat(countAllocated(reader)).isZero();
        }
    }

    @Test
    void kernelDropsOfThePortsArePublished() {
        try (AgentHarness harness = new AgentHarness()) {
            final byte[] frame = ping(1);
            int refused = 0;
            for (int i = 0; i < 1100; i++) {
                if (!harness.port(0).inject(MemorySegment.ofArray(frame), 0, frame.length, 0)) {
                    refused++;
                }
            }
            assertThat(refused).isEqualTo(76);
            harness.cycle();
            assertThat(harness.counters().portKernelDrops(0)).isEqualTo(76);
        }
    }

    @Test
    void arpRepliesAndEchoRepliesHaveValidChecksumsAndGoToTheSender() {
        try (AgentHarness harness = new AgentHarness()) {
            harness.process(PacketBuilder.ethernet(CLIENT_MAC, BROADCAST_MAC).arpRequest(CLIENT_MAC, CLIENT_IP, LB0_IP).build());
            harness.process(ping(9));
            final byte[] reply = harness.tx(0).get(1);
            final MemorySegment segment = MemorySegment.ofArray(reply);
            assertThat(new Ipv4Flyweight().wrap(segment, 14).isChecksumValid()).isTrue();
            assertThat(Checksums.fold(Checksums.sum(segment, 34, reply.length - 34, 0))).isEqualTo(0xffff);
        }
    }

    private static int countAllocated(final CountersReader reader) {
        final int[] count = {0};
        reader.forEach((counterId, label) -> count[0]++);
        return count[0];
    }
}
