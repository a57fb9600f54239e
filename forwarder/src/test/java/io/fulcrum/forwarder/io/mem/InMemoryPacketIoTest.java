package io.fulcrum.forwarder.io.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.io.FrameBatch;

class InMemoryPacketIoTest {

    @Test
    void injectedFramesAreReceivedInOrderAndSlotsComeBackOnRelease() {
        try (InMemoryPacketIo io = new InMemoryPacketIo("mem0", 0x0200_0000_0001L, 1500, 4, 4, 128)) {
            for (int i = 0; i < 4; i++) {
                assertThat(io.inject(new byte[] {(byte) i, 1, 2}, i == 2 ? FrameBatch.FLAG_CSUM_NOT_READY : 0)).isTrue();
            }
            assertThat(io.inject(new byte[3])).isFalse();
            assertThat(io.kernelDrops()).isEqualTo(1);
            final FrameBatch batch = new FrameBatch(3);
            assertThat(io.receive(batch)).isEqualTo(3);
            for (int i = 0; i < 3; i++) {
                assertThat(batch.memory().get(ValueLayout.JAVA_BYTE, batch.offset(i))).isEqualTo((byte) i);
                assertThat(batch.length(i)).isEqualTo(3);
            }
            assertThat(batch.flags(2)).isEqualTo(FrameBatch.FLAG_CSUM_NOT_READY);
            assertThat(io.inject(new byte[3])).isFalse();
            io.releaseRx(batch);
            assertThat(batch.count()).isZero();
            assertThat(io.inject(new byte[] {9})).isTrue();
            assertThat(io.receive(batch)).isEqualTo(2);
            assertThat(batch.memory().get(ValueLayout.JAVA_BYTE, batch.offset(0))).isEqualTo((byte) 3);
            assertThat(batch.memory().get(ValueLayout.JAVA_BYTE, batch.offset(1))).isEqualTo((byte) 9);
        }
    }

    @Test
    void transmitCopiesUntilTheListIsFullAndFlushReportsWork() {
        try (InMemoryPacketIo io = new InMemoryPacketIo("mem0", 0x0200_0000_0001L, 1500, 4, 2, 16)) {
            final MemorySegment frame = MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5});
            assertThat(io.transmit(frame, 1, 3)).isTrue();
            assertThat(io.transmit(frame, 0, 17)).isFalse();
            assertThat(io.transmit(frame, 0, 5)).isTrue();
            assertThat(io.transmit(frame, 0, 5)).isFalse();
            assertThat(io.txFrame(0)).containsExactly(2, 3, 4);
            assertThat(io.flush()).isEqualTo(2);
            assertThat(io.flush()).isZero();
            io.clearTx();
            assertThat(io.txCount()).isZero();
            assertThatThrownBy(() -> io.txFrame(0)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(io.pollFd()).isEqualTo(-1);
        }
    }
}
