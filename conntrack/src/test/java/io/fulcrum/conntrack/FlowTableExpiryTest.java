package io.fulcrum.conntrack;

import static io.fulcrum.conntrack.FlowDescriptor.NAT_FULLNAT;
import static io.fulcrum.conntrack.FlowTable.DIRECTION_ORIGINAL;
import static io.fulcrum.conntrack.FlowTable.DIRECTION_REPLY;
import static io.fulcrum.conntrack.TcpStateMachine.TCP_ACK;
import static io.fulcrum.conntrack.TcpStateMachine.TCP_RST;
import static io.fulcrum.conntrack.TcpStateMachine.TCP_SYN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class FlowTableExpiryTest {
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int CLIENT = 0xC6120001;
    private static final int VIP = 0xC6120101;
    private static final int BACKEND = 0xC6120201;
    private static final int LOCAL = 0xC6120301;

    /** Records what the forwarder would need to build RSTs and release the local port. */
    private static final class Recorder implements FlowExpiryHandler {
        final List<String> events = new ArrayList<>();

        @Override
        public void onFlowExpired(final FlowFlyweight flow, final boolean resetBothSides, final long nowMs) {
            events.add(flow.clientPort() + "@" + nowMs + " reset=" + resetBothSides + " state="
                + TcpState.name(flow.tcpState()) + " local=" + flow.replyDstPort() + " seq=" + flow.origNextSeq() + "/"
                + flow.replyNextSeq());
        }
    }

    private static int establish(final FlowTable table, final int clientPort, final long nowMs,
        final TimeoutProfile profile) {
        final int flow = table.insert(CLIENT, VIP, clientPort, 80, TCP, BACKEND, LOCAL, 8080, 10_000 + clientPort,
            NAT_FULLNAT, nowMs, profile.tcpTimeoutMs(TcpState.NONE));
        table.flow(flow).resetOnIdle(profile.resetOnIdleExpiry()).origNextSeq(1001).replyNextSeq(2002);
        assertThat(table.onTcpPacket(flow, DIRECTION_ORIGINAL, TCP_SYN, 60, nowMs, profile)).isEqualTo(TcpState.SYN_RECV);
        assertThat(table.onTcpPacket(flow, DIRECTION_REPLY, TCP_SYN | TCP_ACK, 60, nowMs, profile))
            .isEqualTo(TcpState.SYN_RECV);
        assertThat(table.onTcpPacket(flow, DIRECTION_ORIGINAL, TCP_ACK, 60, nowMs, profile))
            .isEqualTo(TcpState.ESTABLISHED);
        return flow;
    }

    @Test
    void idleEstablishedFlowExpiresAfter900sAndAsksForResetOnBothSides() {
        final Recorder recorder = new Recorder();
        try (FlowTable table = new FlowTable(64, 1, 0)) {
            final int flow = establish(table, 40000, 0, TimeoutProfile.DEFAULT);
            assertThat(table.flow(flow).deadlineMs()).isEqualTo(900_000);
            assertThat(table.flow(flow).packets()).isEqualTo(3);
            assertThat(table.flow(flow).seenReply()).isTrue();
            table.expire(899_999, 100, recorder);
            assertThat(recorder.events).isEmpty();
            table.expire(900_000 + FlowTable.DEFAULT_WHEEL_TICK_MS, 100, recorder);
            assertThat(recorder.events).containsExactly("40000@900064 reset=true state=ESTABLISHED local=50000 seq=1001/2002");
            assertThat(table.lookup(CLIENT, VIP, 40000, 80, TCP)).isEqualTo(FlowTable.NOT_FOUND);
            assertThat(table.lookup(BACKEND, LOCAL, 8080, 50000, TCP)).isEqualTo(FlowTable.NOT_FOUND);
            assertThat(table.flowsExpired()).isEqualTo(1);
            assertThat(table.expiredWithReset()).isEqualTo(1);
            assertThat(table.activeFlows()).isZero();
            assertThat(table.flowsRemoved()).isZero();
        }
    }

    @Test
    void listenerWithoutResetExpiresSilently() {
        final Recorder recorder = new Recorder();
        final TimeoutProfile profile = TimeoutProfile.builder().tcpTimeoutS(TcpState.ESTABLISHED, 10)
            .resetOnIdleExpiry(false).build();
        try (FlowTable table = new FlowTable(64, 1, 0)) {
            establish(table, 40000, 0, profile);
            table.expire(10_100, 100, recorder);
            assertThat(recorder.events).containsExactly("40000@10100 reset=false state=ESTABLISHED local=50000 seq=1001/2002");
            assertThat(table.expiredWithReset()).isZero();
        }
    }

    @Test
    void resetShortensTheDeadlineFromEstablishedToClose() {
        final Recorder recorder = new Recorder();
        try (FlowTable table = new FlowTable(64, 1, 0)) {
            final int flow = establish(table, 40000, 0, TimeoutProfile.DEFAULT);
            assertThat(table.onTcpPacket(flow, DIRECTION_REPLY, TCP_RST, 40, 5_000, TimeoutProfile.DEFAULT))
                .isEqualTo(TcpState.CLOSE);
            // CLOSE is 10 s: expired at 15 s, not at the 900 s slot it was first linked in.
            table.expire(14_999, 100, recorder);
            assertThat(recorder.events).isEmpty();
            table.expire(15_100, 100, recorder);
            assertThat(recorder.events).containsExactly("40000@15100 reset=false state=CLOSE local=50000 seq=1001/2002");
        }
    }

    @Test
    void trafficKeepsAUdpSessionAliveThenItExpires90sAfterTheLastPacket() {
        final Recorder recorder = new Recorder();
        try (FlowTable table = new FlowTable(64, 1, 0)) {
            final long udpMs = TimeoutProfile.DEFAULT.udpTimeoutMs();
            final int flow = table.insert(CLIENT, VIP, 5353, 53, UDP, BACKEND, LOCAL, 53, 20000, NAT_FULLNAT, 0, udpMs);
            long now = 0;
            for (int i = 0; i < 20; i++) {
                now += 30_000;
                table.onPacket(flow, i % 2, 100, now, udpMs);
                table.expire(now, 1_000, recorder);
            }
            assertThat(recorder.events).isEmpty();
            assertThat(table.timerWheel().relinkedCount()).isLessThanOrEqualTo(10);
            table.expire(now + udpMs - 1, 1_000, recorder);
            assertThat(recorder.events).isEmpty();
            table.expire(now + udpMs + 100, 1_000, recorder);
            assertThat(recorder.events).hasSize(1);
            assertThat(recorder.events.getFirst()).startsWith("5353@").contains("reset=false");
        }
    }

    @Test
    void expiryWorkIsBoundedPerCall() {
        final Recorder recorder = new Recorder();
        try (FlowTable table = new FlowTable(1 << 14, 1, 0)) {
            for (int i = 0; i < 10_000; i++) {
                table.insert(CLIENT + i, VIP, 1, 80, UDP, BACKEND, LOCAL, 53, i, NAT_FULLNAT, 0, 1_000);
            }
            for (int call = 1; call <= 10; call++) {
                assertThat(table.expire(5_000, 1_000, recorder)).isEqualTo(1_000);
                assertThat(table.activeFlows()).isEqualTo(10_000 - 1_000 * call);
            }
            assertThat(table.expire(5_000, 1_000, recorder)).isZero();
            assertThat(table.flowsExpired()).isEqualTo(10_000);
            assertThat(table.occupiedIndexSlots()).isZero();
        }
    }

    @Test
    void handlerMayRemoveTheExpiringFlowAndReleaseItsLocalPort() {
        final LocalAddressPool pool = new LocalAddressPool(new int[] {LOCAL}, 1024, 1030, 1, 0);
        try (FlowTable table = new FlowTable(64, 1, 0)) {
            final int handle = pool.next();
            pool.acquire(handle);
            final int flow = table.insert(CLIENT, VIP, 40000, 80, TCP, BACKEND, pool.ip(handle), 8080,
                LocalAddressPool.port(handle), NAT_FULLNAT, 0, 10_000);
            final List<Boolean> removed = new ArrayList<>();
            table.expire(20_000, 10, (f, reset, nowMs) -> {
                removed.add(pool.release(f.replyDstIp(), f.replyDstPort()));
                removed.add(table.remove(f.index()));
            });
            assertThat(removed).containsExactly(true, true);
            assertThat(table.flow(flow).inUse()).isFalse();
            assertThat(table.activeFlows()).isZero();
            assertThat(table.flowsExpired()).isEqualTo(1);
            assertThat(table.flowsRemoved()).isZero();
            assertThat(table.timerWheel().scheduledCount()).isZero();
            assertThat(pool.available()).isEqualTo(pool.size());
            // The freed entry is reusable and correctly scheduled.
            assertThat(table.insert(CLIENT, VIP, 40001, 80, TCP, BACKEND, LOCAL, 8080, 1, NAT_FULLNAT, 20_000, 10_000))
                .isEqualTo(flow);
            assertThat(table.timerWheel().scheduledCount()).isEqualTo(1);
        }
    }
}
