package io.fulcrum.forwarder.proto;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.testing.PacketBuilder;

class ChecksumsTest {
    private static final SplittableRandom RANDOM = new SplittableRandom(1071);

    @Test
    void rfc1071ExampleSumsToDdf2() {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        final byte[] bytes = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7};
        assertThat(Checksums.fold(Checksums.sum(MemorySegment.ofArray(bytes), 0, bytes.length, 0))).isEqualTo(0xddf2);
    }

    @Test
    void sumMatchesAPlainSixteenBitLoopAtEveryOffsetAndLength() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment segment = arena.allocate(2100);
            final byte[] bytes = new byte[2100];
            RANDOM.nextBytes(bytes);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, 0, bytes.length);
            for (int round = 0; round < 5000; round++) {
                final int offset = RANDOM.nextInt(64);
                final int length = RANDOM.nextInt(2000);
                final int expected = PacketBuilder.sum(bytes, offset, length, 0);
                final int actual = Checksums.fold(Checksums.sum(segment, offset, length, 0));
                // 0 and 0xffff are the same one's-complement value; the loop yields 0 only for all-zero input.
                assertThat(actual % 0xffff).as("offset %d length %d", offset, length).isEqualTo(expected % 0xffff);
            }
        }
    }

    @Test
    void incrementalUpdatesEqualRecomputation() {
        for (int round = 0; round < 20_000; round++) {
            final byte[] data = new byte[2 * (2 + RANDOM.nextInt(40))];
            RANDOM.nextBytes(data);
            final MemorySegment segment = MemorySegment.ofArray(data);
            final int checksum = Checksums.complement(Checksums.sum(segment, 0, data.length, 0));
            final int position = 2 * RANDOM.nextInt(data.length / 2 - 1);
            if (RANDOM.nextBoolean()) {
                final int old = Bytes.u16(segment, position);
                final int now = RANDOM.nextInt(0x10000);
                Bytes.u16(segment, position, now);
                assertThat(equivalent(Checksums.update16(checksum, old, now),
                    Checksums.complement(Checksums.sum(segment, 0, data.length, 0)))).isTrue();
            } else {
                final int old = Bytes.i32(segment, position);
                final int now = RANDOM.nextInt();
                Bytes.i32(segment, position, now);
                assertThat(equivalent(Checksums.update32(checksum, old, now),
                    Checksums.complement(Checksums.sum(segment, 0, data.length, 0)))).isTrue();
            }
        }
    }

    @Test
    void incrementalUpdateOfAValidPacketStillVerifies() {
        // The verifying receiver's view: after any number of updates, the sum over the message is 0xffff.
        final byte[] data = new byte[64];
        RANDOM.nextBytes(data);
        final MemorySegment segment = MemorySegment.ofArray(data);
        Bytes.u16(segment, 2, 0);
        Bytes.u16(segment, 2, Checksums.complement(Checksums.sum(segment, 0, data.length, 0)));
        for (int round = 0; round < 10_000; round++) {
            final int position = 4 + 4 * RANDOM.nextInt(15);
            final int old = Bytes.i32(segment, position);
            final int now = RANDOM.nextInt();
            Bytes.i32(segment, position, now);
            Bytes.u16(segment, 2, Checksums.update32(Bytes.u16(segment, 2), old, now));
            assertThat(Checksums.fold(Checksums.sum(segment, 0, data.length, 0))).isEqualTo(0xffff);
        }
    }

    @Test
    void partialSeedUpdatedThenCompletedEqualsTheFullChecksum() {
        for (int round = 0; round < 5000; round++) {
            final int source = RANDOM.nextInt();
            final int destination = RANDOM.nextInt();
            final int newDestination = RANDOM.nextInt();
            final byte[] payload = new byte[RANDOM.nextInt(100)];
            RANDOM.nextBytes(payload);
            final byte[] frame = PacketBuilder.ethernet(1, 2).ipv4(source, destination)
                .udp(RANDOM.nextInt(65536), RANDOM.nextInt(65536), payload).partialChecksum().build();
            final MemorySegment segment = MemorySegment.ofArray(frame);
            final int l4Offset = 34;
            final int l4Length = 8 + payload.length;
            final long field = l4Offset + UdpFlyweight.CHECKSUM_OFFSET;
            // DNAT of the destination on a CHECKSUM_PARTIAL frame: P' = P + ~old + new.
            Bytes.u16(segment, field, Checksums.updatePartial32(Bytes.u16(segment, field), destination, newDestination));
            Bytes.i32(segment, 14 + Ipv4Flyweight.DESTINATION_OFFSET, newDestination);
            final int completed = Checksums.completePartial(segment, l4Offset, l4Length, field, true);
            assertThat(completed).isNotZero();
            assertThat(Checksums.isL4ChecksumValid(segment, l4Offset, l4Length, source, newDestination, 17)).isTrue();
        }
    }

    @Test
    void udpChecksumThatComputesToZeroIsSentAsAllOnes() {
        final MemorySegment segment = MemorySegment.ofArray(new byte[8]);
        // An all-zero segment sums to 0, so the complement is 0xffff; make the sum 0xffff instead.
        Bytes.u16(segment, 0, 0xffff);
        assertThat(Checksums.completePartial(segment, 0, 8, 6, true)).isEqualTo(0xffff);
        Bytes.u16(segment, 6, 0);
        assertThat(Checksums.completePartial(segment, 0, 8, 6, false)).isZero();
    }

    @Test
    void macAndAddressRoundTrip() {
        assertThat(Bytes.formatMac(Bytes.parseMac("02:00:00:0a:ff:01"))).isEqualTo("02:00:00:0a:ff:01");
        assertThat(Bytes.formatIpv4(Bytes.parseIpv4("198.18.1.254"))).isEqualTo("198.18.1.254");
        assertThat(Bytes.parseIpv4("198.18.0.1")).isEqualTo(0xc6120001);
        assertThat(Bytes.isGroupMac(Bytes.BROADCAST_MAC)).isTrue();
        assertThat(Bytes.isGroupMac(Bytes.parseMac("01:00:5e:00:00:01"))).isTrue();
        assertThat(Bytes.isGroupMac(Bytes.parseMac("02:00:00:00:00:01"))).isFalse();
    }

    private static boolean equivalent(final int a, final int b) {
        return a % 0xffff == b % 0xffff;
    }
}
