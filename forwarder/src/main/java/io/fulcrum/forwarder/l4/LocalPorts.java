package io.fulcrum.forwarder.l4;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fulcrum.conntrack.FlowTable;
import io.fulcrum.conntrack.LocalAddressPool;
import io.fulcrum.conntrack.TcpState;

/**
 * One agent's FULLNAT (local address, local port) pairs over local addresses that may have different port
 * ranges: one {@link LocalAddressPool} per distinct range, allocation rotating over them. Every pool holds
 * only the ports {@code LocalAddressPool.coreOfPort(p, agents) == agentId}, so backend replies can be steered to
 * the owner by destination port. A pair is free for a backend when the agent's flow table has no flow on the reply
 * tuple (backend → pair). Single-threaded and allocation-free after construction.
 */
final class LocalPorts {
    /** Most pairs {@link #allocate} tries before giving up: bounds the work per new flow. */
    static final int PROBE_LIMIT = 128;
    private static final int TCP = 6;

    private final LocalAddressPool[] pools;
    private final int probeLimit;
    private int next;
    private int recycledFlow = -1;
    private long exhausted;
    private int allocatedIp;
    private int allocatedPort;

    LocalPorts(final List<L4Runtime.LocalAddress> addresses, final int agents, final int agentId) {
        final Map<Long, List<Integer>> byRange = new LinkedHashMap<>();
        for (final L4Runtime.LocalAddress a : addresses) {
            byRange.computeIfAbsent(((long) a.firstPort() << 32) | a.lastPort(), k -> new ArrayList<>()).add(a.address());
        }
        final List<LocalAddressPool> built = new ArrayList<>();
        for (final Map.Entry<Long, List<Integer>> e : byRange.entrySet()) {
            final int first = (int) (e.getKey() >>> 32);
            final int last = (int) (long) e.getKey();
            built.add(new LocalAddressPool(e.getValue().stream().mapToInt(Integer::intValue).toArray(), first, last, agents,
                agentId));
        }
        pools = built.toArray(new LocalAddressPool[0]);
        long pairs = 0;
        for (final LocalAddressPool pool : pools) {
            pairs += pool.size();
        }
        probeLimit = (int) Math.min(PROBE_LIMIT, pairs);
    }

    /** True if there is no local address at all (DNAT-only configurations). */
    boolean isEmpty() {
        return pools.length == 0;
    }

    /**
     * Finds a pair for a new flow to {@code backendIp:backendPort}: the next pair of the rotation whose reply tuple
     * (backend → pair) has no flow, or whose flow is a finished TCP connection (TIME_WAIT or CLOSE), which the
     * caller must then retire ({@link #recycledFlow()}) before inserting the new flow. Pairs are shared between
     * backends, as the reply tuple includes the backend; a finished flow gives its pair up, as LVS lets a new
     * connection take over a TIME_WAIT one, so the sustained new-connection rate is not bounded by ports divided
     * by the TIME_WAIT timeout. At most {@link #PROBE_LIMIT} pairs are tried. On success the pair is acquired; read
     * it with {@link #ip()} and {@link #port()}.
     *
     * @param table the agent's flow table.
     * @param protocol IP protocol of the new flow.
     * @param backendIp the chosen backend's address.
     * @param backendPort the chosen backend's port.
     * @return false if no pair was found within the probe limit.
     */
    boolean allocate(final FlowTable table, final int protocol, final int backendIp, final int backendPort) {
        final LocalAddressPool[] pools = this.pools;
        for (int probe = 0; probe < probeLimit; probe++) {
            final LocalAddressPool pool = pools[next];
            next = next + 1 == pools.length ? 0 : next + 1;
            final int handle = pool.next();
            final int ip = pool.ip(handle);
            final int port = LocalAddressPool.port(handle);
            final int match = table.peek(backendIp, ip, backendPort, port, protocol);
            int recycle = -1;
            if (match != FlowTable.NOT_FOUND) {
                if (protocol != TCP || FlowTable.direction(match) != FlowTable.DIRECTION_REPLY) {
                    continue;
                }
                recycle = FlowTable.flowIndex(match);
                final int state = table.flow(recycle).tcpState();
                if (state != TcpState.TIME_WAIT && state != TcpState.CLOSE) {
                    continue;
                }
            }
            pool.acquire(handle);
            allocatedIp = ip;
            allocatedPort = port;
            recycledFlow = recycle;
            return true;
        }
        exhausted++;
        return false;
    }

    /** The finished flow the last {@link #allocate} took the pair of, or -1 if the pair had no flow. */
    int recycledFlow() {
        return recycledFlow;
    }

    int ip() {
        return allocatedIp;
    }

    int port() {
        return allocatedPort;
    }

    /** Allocations that found no pair. */
    long exhausted() {
        return exhausted;
    }

    /** Gives a pair back (when its flow is removed). */
    void release(final int ip, final int port) {
        final LocalAddressPool[] pools = this.pools;
        for (int i = 0; i < pools.length; i++) {
            if (pools[i].owns(ip, port)) {
                pools[i].release(ip, port);
                return;
            }
        }
    }

    /** Free pairs over all pools. */
    long available() {
        long sum = 0;
        for (final LocalAddressPool pool : pools) {
            sum += pool.available();
        }
        return sum;
    }
}
