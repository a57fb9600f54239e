package io.fulcrum.forwarder.l4;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

import io.fulcrum.forwarder.xmit.RouteTable;
import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.GroupSnapshot;
import io.fulcrum.scheduler.SchedulerAlgorithm;

/**
 * Everything the L4 data path needs to create flows, as one immutable object the conductor publishes through
 * {@link L4Runtime#publish} and every agent reads once per duty cycle: the listeners (found by VIP, port and
 * protocol through an open-addressing index of {@code long} keys), the backend groups they point to (whose own
 * snapshots the scheduler publishes copy-on-write), the static routes, the next hops to keep resolved, and the
 * per-listener and per-backend {@link L4TrafficCounters} each agent updates (optional). Closed listeners
 * ({@link Listener#open()} false) are reachable by id for their flows but not by VIP:port.
 * Changing anything means publishing a new snapshot; flows already tracked keep their backend and translation.
 */
public final class L4Snapshot {
    /** Scheduler hash input: none. */
    static final int HASH_NONE = 0;
    /** Scheduler hash input: the client address ({@code sh}). */
    static final int HASH_SOURCE = 1;
    /** Scheduler hash input: the five-tuple ({@code mh}). */
    static final int HASH_FLOW = 2;

    private final long version;
    private final Listener[] listeners;
    private final long[] keys;
    private final int[] values;
    private final int keyMask;
    private final int[] vips;
    private final int vipMask;
    private final BackendGroup[] groups;
    private final int[] groupHashKinds;
    private final RouteTable routes;
    private final int[] nextHops;
    private final L4TrafficCounters trafficCounters;

    private L4Snapshot(final long version, final Listener[] listeners, final BackendGroup[] groups, final RouteTable routes,
                       final L4TrafficCounters trafficCounters) {
        this.version = version;
        this.trafficCounters = trafficCounters;
        this.listeners = listeners;
        this.groups = groups;
        this.routes = routes;
        int size = 16;
        while (size < listeners.length * 4) {
            size <<= 1;
        }
        keys = new long[size];
        values = new int[size];
        keyMask = size - 1;
        Arrays.fill(values, -1);
        final Set<Integer> vipSet = new LinkedHashSet<>();
        for (final Listener listener : listeners) {
            if (listener == null) {
                continue;
            }
            if (listener.groupIndex() >= groups.length) {
                throw new IllegalArgumentException("listener " + listener.name() + ": no group " + listener.groupIndex());
            }
            // a closed listener's VIP stays a VIP: its flows' packets must keep going to the agent that owns them
            vipSet.add(listener.vip());
            if (!listener.open()) {
                continue;
            }
            final long key = key(listener.vip(), listener.port(), listener.protocol());
            int slot = slot(key);
            while (values[slot] >= 0) {
                if (keys[slot] == key) {
                    throw new IllegalArgumentException("listeners " + listeners[values[slot]].name() + " and " + listener.name()
                        + " share " + listener.protocol() + " VIP:port");
                }
                slot = (slot + 1) & keyMask;
            }
            keys[slot] = key;
            values[slot] = listener.id();
        }
        int vipSize = 16;
        while (vipSize < vipSet.size() * 4) {
            vipSize <<= 1;
        }
        vips = new int[vipSize];
        vipMask = vipSize - 1;
        for (final int vip : vipSet) {
            int slot = mix(vip) & vipMask;
            while (vips[slot] != 0) {
                slot = (slot + 1) & vipMask;
            }
            vips[slot] = vip;
        }
        groupHashKinds = new int[groups.length];
        for (int i = 0; i < groups.length; i++) {
            final SchedulerAlgorithm algorithm = groups[i].scheduler().algorithm();
            groupHashKinds[i] = algorithm == SchedulerAlgorithm.SH ? HASH_SOURCE
                : algorithm == SchedulerAlgorithm.MH ? HASH_FLOW : HASH_NONE;
        }
        nextHops = computeNextHops(groups, routes);
    }

    /** An empty snapshot: no listener, every TCP/UDP packet without a flow is refused. */
    public static L4Snapshot empty() {
        return new L4Snapshot(0, new Listener[0], new BackendGroup[0], RouteTable.EMPTY, null);
    }

    /**
     * Builds a snapshot.
     *
     * @param version   increases with each publication.
     * @param listeners indexed by {@link Listener#id()}; null entries are ids no longer in use.
     * @param groups    indexed by {@link Listener#groupIndex()}.
     * @param routes    static routes.
     */
    public static L4Snapshot of(final long version, final Listener[] listeners, final BackendGroup[] groups,
                                final RouteTable routes) {
        return of(version, listeners, groups, routes, null);
    }

    /**
     * Builds a snapshot whose flows are counted per listener and per backend.
     *
     * @param version         increases with each publication.
     * @param listeners       indexed by {@link Listener#id()}; null entries are ids no longer in use.
     * @param groups          indexed by {@link Listener#groupIndex()}.
     * @param routes          static routes.
     * @param trafficCounters the agents' per-object counters, or null to count nothing per object.
     */
    public static L4Snapshot of(final long version, final Listener[] listeners, final BackendGroup[] groups,
                                final RouteTable routes, final L4TrafficCounters trafficCounters) {
        Objects.requireNonNull(routes, "routes");
        for (int i = 0; i < listeners.length; i++) {
            if (listeners[i] != null && listeners[i].id() != i) {
                throw new IllegalArgumentException("listener " + listeners[i].name() + " has id " + listeners[i].id()
                    + " at index " + i);
            }
        }
        return new L4Snapshot(version, listeners.clone(), groups.clone(), routes, trafficCounters);
    }

    /** The open listener for a packet to {@code vip:port} of {@code protocol}, or null. */
    public Listener lookup(final int vip, final int port, final int protocol) {
        final long key = key(vip, port, protocol);
        int slot = slot(key);
        while (true) {
            final int value = values[slot];
            if (value < 0) {
                return null;
            }
            if (keys[slot] == key) {
                return listeners[value];
            }
            slot = (slot + 1) & keyMask;
        }
    }

    /** True if some listener uses {@code address} as its VIP. */
    public boolean isVip(final int address) {
        if (address == 0) {
            return false;
        }
        int slot = mix(address) & vipMask;
        while (true) {
            final int vip = vips[slot];
            if (vip == address) {
                return true;
            }
            if (vip == 0) {
                return false;
            }
            slot = (slot + 1) & vipMask;
        }
    }

    /** The listener with {@code id}, or null if it is gone. */
    public Listener listener(final int id) {
        return id >= 0 && id < listeners.length ? listeners[id] : null;
    }

    /** Number of listener ids (including gone ones). */
    public int listenerCount() {
        return listeners.length;
    }

    public BackendGroup group(final int index) {
        return groups[index];
    }

    public int groupCount() {
        return groups.length;
    }

    int groupHashKind(final int index) {
        return groupHashKinds[index];
    }

    public RouteTable routes() {
        return routes;
    }

    public long version() {
        return version;
    }

    /**
     * Every backend address of the groups' snapshots at build time plus the route gateways: the next hops the
     * agents keep resolved (ARP ahead of need, so the first SYN to a new backend is not lost).
     */
    public int[] nextHops() {
        return nextHops.clone();
    }

    int nextHopCount() {
        return nextHops.length;
    }

    int nextHop(final int index) {
        return nextHops[index];
    }

    /** The same listeners, groups and routes under a new version, with the next hops recomputed. */
    public L4Snapshot refreshed(final long newVersion) {
        return new L4Snapshot(newVersion, listeners, groups, routes, trafficCounters);
    }

    /** The per-listener and per-backend counters of the agents, or null when nothing is counted per object. */
    public L4TrafficCounters trafficCounters() {
        return trafficCounters;
    }

    private static int[] computeNextHops(final BackendGroup[] groups, final RouteTable routes) {
        final Set<Integer> hops = new LinkedHashSet<>();
        for (final BackendGroup group : groups) {
            final GroupSnapshot snapshot = group.snapshot();
            for (int slot = 0; slot < snapshot.capacity(); slot++) {
                final GroupSnapshot.Backend backend = snapshot.backend(slot);
                if (backend != null && backend.spec().isIpv4()) {
                    hops.add(backend.spec().ipv4());
                }
            }
        }
        for (int i = 0; i < routes.size(); i++) {
            if (routes.gateway(i) != 0) {
                hops.add(routes.gateway(i));
            }
        }
        return hops.stream().mapToInt(Integer::intValue).toArray();
    }

    private int slot(final long key) {
        return mix((int) (key ^ (key >>> 32))) & keyMask;
    }

    private static long key(final int vip, final int port, final int protocol) {
        return ((long) vip << 32) | ((long) (protocol & 0xff) << 16) | (port & 0xffff);
    }

    private static int mix(final int value) {
        final int h = value * 0x9E3779B9;
        return h ^ (h >>> 15);
    }
}
