package io.fulcrum.conntrack;

import static io.fulcrum.conntrack.FlowDescriptor.NAT_FULLNAT;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

/** The per-packet and per-flow operations allocate nothing, measured with the thread's allocated-bytes counter. */
class ConntrackAllocationTest {
    private static final int CAPACITY = 1 << 18;
    private static final int LIVE = 100_000;
    private static final int OPERATIONS = 1_000_000;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private long sink;

    @Test
    void lookupsInsertsRemovesPacketsExpiryAndPoolAllocateNothing() {
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);
        final LocalAddressPool pool = new LocalAddressPool(new int[] {0xC6120301, 0xC6120302}, 1024, 65535, 1, 0);
        final FlowExpiryHandler handler = (flow, reset, nowMs) -> {
            sink += flow.clientPort();
            pool.release(flow.replyDstIp(), flow.replyDstPort());
        };
        try (FlowTable table = new FlowTable(CAPACITY, 7, 0)) {
            final int[] flows = new int[LIVE];
            for (int i = 0; i < LIVE; i++) {
                flows[i] = insert(table, pool, i, 0);
            }
            // Warm up (interpreter and C1/C2 compiled code paths), then measure the same work.
            run(table, pool, handler, flows, 300_000, 0);
            final long before = threads.getCurrentThreadAllocatedBytes();
            run(table, pool, handler, flows, OPERATIONS, 1);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).as("bytes allocated by %d operations", OPERATIONS).isLessThan(1024);
            assertThat(table.flowsExpired()).isPositive();
            assertThat(sink).isPositive();
        }
    }

    private void run(final FlowTable table, final LocalAddressPool pool, final FlowExpiryHandler handler,
        final int[] flows, final int operations, final int round) {
        long nowMs = 1_000 + round * 10_000_000L;
        int nextKey = LIVE + round * OPERATIONS;
        for (int op = 0; op < operations; op++) {
            final int slot = op % LIVE;
            final int flow = flows[slot];
            final FlowFlyweight f = table.flow(flow);
            if (f.inUse()) {
                final int match = table.lookup(f.clientIp(), f.vip(), f.clientPort(), f.vport(), 6);
                final int reply = table.lookup(f.backendIp(), f.replyDstIp(), f.backendPort(), f.replyDstPort(), 6);
                sink += match + reply;
                table.onTcpPacket(FlowTable.flowIndex(match), FlowTable.DIRECTION_ORIGINAL, TcpStateMachine.TCP_ACK, 100,
                    nowMs, TimeoutProfile.DEFAULT);
                if ((op & 7) == 0) {
                    pool.release(f.replyDstIp(), f.replyDstPort());
                    table.remove(flow);
                    flows[slot] = insert(table, pool, nextKey++, nowMs);
                }
            } else {
                flows[slot] = insert(table, pool, nextKey++, nowMs);
            }
            if ((op & 1023) == 0) {
                nowMs += 5_000;
                sink += table.expire(nowMs, 256, handler);
            }
        }
    }

    private static int insert(final FlowTable table, final LocalAddressPool pool, final int key, final long nowMs) {
        int handle = pool.next();
        for (int probe = 0; table.peek(0xC6120201, pool.ip(handle), 8080, LocalAddressPool.port(handle), 6)
            != FlowTable.NOT_FOUND; probe++) {
            if (probe == pool.size()) {
                throw new AssertionError("no local pair free for the backend");
            }
            handle = pool.next();
        }
        pool.acquire(handle);
        final int flow = table.insert(0x0A000000 + key, 0xC6120101, 1024 + (key & 0x7FFF), 80, 6, 0xC6120201,
            pool.ip(handle), 8080, LocalAddressPool.port(handle), NAT_FULLNAT, nowMs, 2_000 + (key & 0xFFFF));
        if (flow < 0) {
            throw new AssertionError("insert failed: " + flow);
        }
        return flow;
    }
}
