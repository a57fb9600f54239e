package io.fulcrum.forwarder.l4;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fulcrum.conntrack.LocalAddressPool;

/**
 * One agent's FULLNAT (local address, local port) pairs over local addresses that may have different port
 * ranges: one {@link LocalAddressPool} per distinct range, allocation rotating over them. Every pool holds
 * only the ports {@code p % agents == agentId}, so backend replies can be steered to the owner by destination
 * port. Single-threaded and allocation-free after construction.
 */
final class LocalPorts {
    private final LocalAddressPool[] pools;
    private int next;
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
    }

    /** True if there is no local address at all (DNAT-only configurations). */
    boolean isEmpty() {
        return pools.length == 0;
    }

    /**
     * Takes a free pair; read it with {@link #ip()} and {@link #port()}.
     *
     * @return false if every pool is exhausted.
     */
    boolean allocate() {
        final LocalAddressPool[] pools = this.pools;
        for (int i = 0; i < pools.length; i++) {
            final LocalAddressPool pool = pools[next];
            next = next + 1 == pools.length ? 0 : next + 1;
            final int handle = pool.allocate();
            if (handle != LocalAddressPool.EXHAUSTED) {
                allocatedIp = pool.ip(handle);
                allocatedPort = LocalAddressPool.port(handle);
                return true;
            }
        }
        return false;
    }

    int ip() {
        return allocatedIp;
    }

    int port() {
        return allocatedPort;
    }

    /** Gives a pair back (when its flow is removed). */
    void release(final int ip, final int port) {
        final LocalAddressPool[] pools = this.pools;
        for (int i = 0; i < pools.length; i++) {
            if (pools[i].isAllocated(ip, port)) {
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
