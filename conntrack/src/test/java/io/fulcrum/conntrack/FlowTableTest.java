package io.fulcrum.conntrack;

import static io.fulcrum.conntrack.FlowDescriptor.NAT_DNAT;
import static io.fulcrum.conntrack.FlowDescriptor.NAT_FULLNAT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FlowTableTest {
    static final int TCP = 6;
    static final int UDP = 17;
    static final int CLIENT = 0xC6120001;   // 198.18.0.1
    static final int VIP = 0xC6120101;      // 198.18.1.1
    static final int BACKEND = 0xC6120201;  // 198.18.2.1
    static final int LOCAL = 0xC6120301;    // 198.18.3.1

    @Test
    void fullnatFlowIsFoundFromBothDirections() {
        try (FlowTable table = new FlowTable(1024, 42, 0)) {
            final int flow = table.insert(CLIENT, VIP, 40000, 80, TCP, BACKEND, LOCAL, 8080, 5001, NAT_FULLNAT, 0, 30_000);
            assertThat(flow).isGreaterThanOrEqualTo(0);

            final int original = table.lookup(CLIENT, VIP, 40000, 80, TCP);
            assertThat(FlowTable.flowIndex(original)).isEqualTo(flow);
            assertThat(FlowTable.direction(original)).isEqualTo(FlowTable.DIRECTION_ORIGINAL);

            final int reply = table.lookup(BACKEND, LOCAL, 8080, 5001, TCP);
            assertThat(FlowTable.flowIndex(reply)).isEqualTo(flow);
            assertThat(FlowTable.direction(reply)).isEqualTo(FlowTable.DIRECTION_REPLY);

            // Reversed tuples, other protocol, other port: not this flow.
            assertThat(table.lookup(VIP, CLIENT, 80, 40000, TCP)).isEqualTo(FlowTable.NOT_FOUND);
            assertThat(table.lookup(CLIENT, VIP, 40000, 80, UDP)).isEqualTo(FlowTable.NOT_FOUND);
            assertThat(table.lookup(CLIENT, VIP, 40001, 80, TCP)).isEqualTo(FlowTable.NOT_FOUND);
            assertThat(table.lookups()).isEqualTo(5);
            assertThat(table.lookupMisses()).isEqualTo(3);
        }
    }

    @Test
    void dnatReplyComesFromBackendToClient() {
        try (FlowTable table = new FlowTable(1024, 42, 0)) {
            final int flow = table.insert(CLIENT, VIP, 40000, 80, TCP, BACKEND, CLIENT, 8080, 40000, NAT_DNAT, 0, 30_000);
            final int reply = table.lookup(BACKEND, CLIENT, 8080, 40000, TCP);
            assertThat(FlowTable.flowIndex(reply)).isEqualTo(flow);
            assertThat(FlowTable.direction(reply)).isEqualTo(FlowTable.DIRECTION_REPLY);
            assertThat(table.flow(flow).natMode()).isEqualTo(NAT_DNAT);
        }
    }

    @Test
    void flyweightRoundTripsEveryField() {
        try (FlowTable table = new FlowTable(64, 7, 1_000)) {
            final int flow = table.insert(CLIENT, VIP, 65535, 443, TCP, BACKEND, LOCAL, 8443, 61000, NAT_FULLNAT, 1_000,
                30_000);
            final FlowFlyweight f = table.flow(flow);
            f.listenerId(12).backendId(345).seqDelta(-7).toaAckSeq(0x80000001).origNextSeq(11).replyNextSeq(-22)
                .toaPending(true).resetOnIdle(true).draining(true).tcpState(TcpState.SYN_RECV);
            assertThat(f.index()).isEqualTo(flow);
            assertThat(f.inUse()).isTrue();
            assertThat(f.clientIp()).isEqualTo(CLIENT);
            assertThat(f.vip()).isEqualTo(VIP);
            assertThat(f.clientPort()).isEqualTo(65535);
            assertThat(f.vport()).isEqualTo(443);
            assertThat(f.backendIp()).isEqualTo(BACKEND);
            assertThat(f.backendPort()).isEqualTo(8443);
            assertThat(f.replyDstIp()).isEqualTo(LOCAL);
            assertThat(f.replyDstPort()).isEqualTo(61000);
            assertThat(f.proto()).isEqualTo(TCP);
            assertThat(f.natMode()).isEqualTo(NAT_FULLNAT);
            assertThat(f.tcpState()).isEqualTo(TcpState.SYN_RECV);
            assertThat(f.listenerId()).isEqualTo(12);
            assertThat(f.backendId()).isEqualTo(345);
            assertThat(f.seqDelta()).isEqualTo(-7);
            assertThat(f.toaAckSeq()).isEqualTo(0x80000001);
            assertThat(f.origNextSeq()).isEqualTo(11);
            assertThat(f.replyNextSeq()).isEqualTo(-22);
            assertThat(f.toaPending()).isTrue();
            assertThat(f.resetOnIdle()).isTrue();
            assertThat(f.draining()).isTrue();
            assertThat(f.seenReply()).isFalse();
            assertThat(f.createdMs()).isEqualTo(1_000);
            assertThat(f.deadlineMs()).isEqualTo(31_000);
            f.toaPending(false).draining(false);
            assertThat(f.toaPending()).isFalse();
            assertThat(f.draining()).isFalse();
            assertThat(f.resetOnIdle()).isTrue();

            table.onPacket(flow, FlowTable.DIRECTION_REPLY, 1500, 2_000, 40_000);
            table.onPacket(flow, FlowTable.DIRECTION_ORIGINAL, 60, 3_000, 40_000);
            assertThat(f.packets()).isEqualTo(2);
            assertThat(f.bytes()).isEqualTo(1560);
            assertThat(f.seenReply()).isTrue();
            assertThat(f.deadlineMs()).isEqualTo(43_000);
            assertThatThrownBy(() -> f.wrap(64)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void reusedEntryStartsClean() {
        try (FlowTable table = new FlowTable(1, 7, 0)) {
            final int first = table.insert(CLIENT, VIP, 1, 80, TCP, BACKEND, LOCAL, 8080, 2, NAT_FULLNAT, 0, 1000);
            table.flow(first).listenerId(9).backendId(9).toaPending(true).countPacket(100).tcpState(TcpState.ESTABLISHED);
            assertThat(table.remove(first)).isTrue();
            final int second = table.insert(CLIENT, VIP, 3, 80, UDP, BACKEND, LOCAL, 8080, 4, NAT_DNAT, 5, 1000);
            assertThat(second).isEqualTo(first);
            final FlowFlyweight f = table.flow(second);
            assertThat(f.listenerId()).isZero();
            assertThat(f.backendId()).isZero();
            assertThat(f.flags()).isEqualTo(FlowDescriptor.FLAG_IN_USE);
            assertThat(f.packets()).isZero();
            assertThat(f.tcpState()).isEqualTo(TcpState.NONE);
            assertThat(f.createdMs()).isEqualTo(5);
        }
    }

    @Test
    void duplicateTuplesAreRefusedAndCounted() {
        try (FlowTable table = new FlowTable(64, 1, 0)) {
            final int flow = table.insert(CLIENT, VIP, 40000, 80, TCP, BACKEND, LOCAL, 8080, 5001, NAT_FULLNAT, 0, 1000);
            // Same original tuple.
            assertThat(table.insert(CLIENT, VIP, 40000, 80, TCP, BACKEND, LOCAL, 8080, 5002, NAT_FULLNAT, 0, 1000))
                .isEqualTo(FlowTable.INSERT_DUPLICATE);
            // Same reply tuple (local port in use).
            assertThat(table.insert(CLIENT, VIP, 40001, 80, TCP, BACKEND, LOCAL, 8080, 5001, NAT_FULLNAT, 0, 1000))
                .isEqualTo(FlowTable.INSERT_DUPLICATE);
            // A new original tuple equal to the old flow's reply tuple.
            assertThat(table.insert(BACKEND, LOCAL, 8080, 5001, TCP, CLIENT, VIP, 1, 2, NAT_FULLNAT, 0, 1000))
                .isEqualTo(FlowTable.INSERT_DUPLICATE);
            // Both tuples equal.
            assertThat(table.insert(CLIENT, VIP, 7, 8, TCP, CLIENT, VIP, 7, 8, NAT_DNAT, 0, 1000))
                .isEqualTo(FlowTable.INSERT_DUPLICATE);
            assertThat(table.duplicateInserts()).isEqualTo(4);
            assertThat(table.activeFlows()).isEqualTo(1);
            assertThat(FlowTable.flowIndex(table.lookup(CLIENT, VIP, 40000, 80, TCP))).isEqualTo(flow);
        }
    }

    @Test
    void fullTableRefusesNewFlowsAndKeepsExistingOnes() {
        final int capacity = 256;
        try (FlowTable table = new FlowTable(capacity, 3, 0)) {
            for (int i = 0; i < capacity; i++) {
                assertThat(table.insert(CLIENT + i, VIP, 1000, 80, TCP, BACKEND, LOCAL, 8080, 1024 + i, NAT_FULLNAT, 0,
                    60_000)).isGreaterThanOrEqualTo(0);
            }
            for (int i = 0; i < 100; i++) {
                assertThat(table.insert(CLIENT + capacity + i, VIP, 1000, 80, TCP, BACKEND, LOCAL, 8080, 30000 + i,
                    NAT_FULLNAT, 0, 60_000)).isEqualTo(FlowTable.INSERT_FULL);
            }
            assertThat(table.tableFullDrops()).isEqualTo(100);
            assertThat(table.activeFlows()).isEqualTo(capacity);
            assertThat(table.flowsCreated()).isEqualTo(capacity);
            for (int i = 0; i < capacity; i++) {
                final int original = table.lookup(CLIENT + i, VIP, 1000, 80, TCP);
                final int reply = table.lookup(BACKEND, LOCAL, 8080, 1024 + i, TCP);
                assertThat(original).isNotNegative();
                assertThat(FlowTable.flowIndex(reply)).isEqualTo(FlowTable.flowIndex(original));
                assertThat(table.flow(FlowTable.flowIndex(original)).clientIp()).isEqualTo(CLIENT + i);
            }
            // Space freed by one removal is usable again.
            assertThat(table.remove(FlowTable.flowIndex(table.lookup(CLIENT, VIP, 1000, 80, TCP)))).isTrue();
            assertThat(table.insert(CLIENT + 999, VIP, 1000, 80, TCP, BACKEND, LOCAL, 8080, 40000, NAT_FULLNAT, 0, 1))
                .isNotNegative();
        }
    }

    @Test
    void removeDeletesBothDirectionsAndIsIdempotent() {
        try (FlowTable table = new FlowTable(16, 3, 0)) {
            final int flow = table.insert(CLIENT, VIP, 40000, 80, TCP, BACKEND, LOCAL, 8080, 5001, NAT_FULLNAT, 0, 1000);
            assertThat(table.remove(flow)).isTrue();
            assertThat(table.remove(flow)).isFalse();
            assertThat(table.lookup(CLIENT, VIP, 40000, 80, TCP)).isEqualTo(FlowTable.NOT_FOUND);
            assertThat(table.lookup(BACKEND, LOCAL, 8080, 5001, TCP)).isEqualTo(FlowTable.NOT_FOUND);
            assertThat(table.activeFlows()).isZero();
            assertThat(table.flowsRemoved()).isEqualTo(1);
            assertThat(table.occupiedIndexSlots()).isZero();
            assertThat(table.timerWheel().scheduledCount()).isZero();
            assertThatThrownBy(() -> table.remove(16)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void badCapacityIsRejectedWithTheReason() {
        assertThatThrownBy(() -> new FlowTable(1000, 1, 0)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new FlowTable(0, 1, 0)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new FlowTable(FlowTable.MAX_CAPACITY * 2, 1, 0)).hasMessageContaining("power of two");
    }

    @Test
    void bytesPerFlowIncludingBothDirectionsIndexIs120() {
        try (FlowTable table = new FlowTable(1 << 16, 1, 0)) {
            assertThat(table.allocatedBytes()).isEqualTo((1L << 16) * FlowDescriptor.BYTES_PER_FLOW);
            assertThat(table.allocatedBytes() / table.capacity()).isEqualTo(120).isLessThanOrEqualTo(128);
            assertThat(table.indexSlots()).isEqualTo(4L * table.capacity());
        }
    }

    @Test
    void tenMillionFlowsFitInLessThanTwoGibibytes() {
        // 10 M flows need the next power of two, 2^24 = 16.7 M; allocate it for real and measure the segments.
        final int capacity = 1 << 24;
        assertThat(capacity).isGreaterThanOrEqualTo(10_000_000);
        try (FlowTable table = new FlowTable(capacity, 1, 0)) {
            final long bytes = table.allocatedBytes();
            assertThat(bytes).isEqualTo(2_013_265_920L).isLessThan(2L << 30);
            assertThat((double) bytes / 10_000_000).isLessThan(202.0);
            assertThat(bytes / capacity).isEqualTo(120);
            // Use part of it: 2 M DNAT flows, then spot-check both directions.
            for (int i = 0; i <= 2_000_000; i++) {
                if (table.insert(i, VIP, 1, 80, TCP, BACKEND, i, 8080, 1, NAT_DNAT, 0, 1000) < 0) {
                    throw new AssertionError("insert " + i + " failed");
                }
            }
            for (int i = 0; i <= 2_000_000; i += 99_991) {
                assertThat(FlowTable.flowIndex(table.lookup(BACKEND, i, 8080, 1, TCP)))
                    .isEqualTo(FlowTable.flowIndex(table.lookup(i, VIP, 1, 80, TCP))).isEqualTo(i);
            }
            assertThat(table.activeFlows()).isEqualTo(2_000_001);
        }
    }

    @Test
    void highestEntryIndexEncodesInTheSlot() {
        // Fill a small table completely: the last entry's reply slot uses the largest ref of that capacity.
        try (FlowTable table = new FlowTable(1 << 12, 5, 0)) {
            for (int i = 0; i < 1 << 12; i++) {
                assertThat(table.insert(i, VIP, 1, 80, TCP, BACKEND, LOCAL, 8080, i & 0xFFFF, NAT_FULLNAT, 0, 1000))
                    .isEqualTo(i);
            }
            final int last = (1 << 12) - 1;
            assertThat(table.lookup(BACKEND, LOCAL, 8080, last, TCP)).isEqualTo(last << 1 | 1);
        }
    }
}
