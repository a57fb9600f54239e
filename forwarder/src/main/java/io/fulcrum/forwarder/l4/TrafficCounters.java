package io.fulcrum.forwarder.l4;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import io.fulcrum.conntrack.TcpState;
import io.fulcrum.forwarder.stage.ForwarderCounterTypes;

/**
 * The traffic of one listener or one backend on one agent, as seven Agrona counters labelled
 * {@code agent-<id> <object> <metric>} (docs/metrics.md, "Counter label convention"):
 * {@code conns} (flows created), {@code active-conns} (gauge: TCP flows in ESTABLISHED), {@code inactive-conns}
 * (gauge: TCP flows in any other state and UDP flows, as ipvsadm's InActConn), {@code in-packets} and
 * {@code in-bytes} (client to backend), {@code out-packets} and {@code out-bytes} (backend to client); bytes are
 * IP bytes (header included, no Ethernet header), as LVS counts them.
 *
 * <p>The conductor allocates them (off the hot path) and hands them to the agents in the {@link L4Snapshot}; the
 * agent whose id is in the label is their only writer and updates them with release stores, no locks, no
 * allocation.
 */
public final class TrafficCounters implements AutoCloseable {
    /** Metric names, in key order (the third int of the counter key). */
    public static final String[] METRICS = {
        "conns", "active-conns", "inactive-conns", "in-packets", "out-packets", "in-bytes", "out-bytes"};
    /** Counter key length: agent id, object index, metric index. */
    public static final int KEY_LENGTH = 12;

    private final AtomicCounter conns;
    private final AtomicCounter activeConns;
    private final AtomicCounter inactiveConns;
    private final AtomicCounter inPackets;
    private final AtomicCounter outPackets;
    private final AtomicCounter inBytes;
    private final AtomicCounter outBytes;

    private TrafficCounters(final AtomicCounter[] counters) {
        conns = counters[0];
        activeConns = counters[1];
        inactiveConns = counters[2];
        inPackets = counters[3];
        outPackets = counters[4];
        inBytes = counters[5];
        outBytes = counters[6];
    }

    /**
     * Allocates the counters of listener {@code name} (id {@code listenerId}) on agent {@code agentId}.
     * Not thread-safe (the {@link CountersManager} is not): call from one thread at a time.
     */
    public static TrafficCounters listener(final CountersManager manager, final int agentId, final int listenerId,
                                           final String name) {
        return allocate(manager, ForwarderCounterTypes.L4_LISTENER, agentId, listenerId, "listener " + name);
    }

    /**
     * Allocates the counters of backend {@code endpoint} ({@code address:port}) of group {@code group} (index
     * {@code groupIndex}) in {@code slot} on agent {@code agentId}. Not thread-safe, like {@link #listener}.
     */
    public static TrafficCounters backend(final CountersManager manager, final int agentId, final int groupIndex,
                                          final int slot, final String group, final String endpoint) {
        return allocate(manager, ForwarderCounterTypes.L4_BACKEND, agentId, (groupIndex << 16) | (slot & 0xffff),
            "backend " + group + "/" + endpoint);
    }

    private static TrafficCounters allocate(final CountersManager manager, final int typeId, final int agentId,
                                            final int objectIndex, final String object) {
        if (object.indexOf(' ', object.indexOf(' ') + 1) >= 0) {
            throw new IllegalArgumentException("object name must not contain spaces: " + object);
        }
        final AtomicCounter[] counters = new AtomicCounter[METRICS.length];
        try {
            for (int m = 0; m < METRICS.length; m++) {
                final int metric = m;
                counters[m] = manager.newCounter("agent-" + agentId + " " + object + " " + METRICS[m], typeId, key -> {
                    key.putInt(0, agentId);
                    key.putInt(4, objectIndex);
                    key.putInt(8, metric);
                });
            }
        } catch (final RuntimeException e) {
            for (final AtomicCounter c : counters) {
                if (c != null) {
                    c.close();
                }
            }
            throw e;
        }
        return new TrafficCounters(counters);
    }

    /** A new flow: one more connection, inactive until its TCP handshake completes. */
    void flowOpened() {
        conns.incrementRelease();
        inactiveConns.incrementRelease();
    }

    /** A TCP flow moved from {@code oldState} to {@code newState}: moves it between the gauges if needed. */
    void tcpState(final int oldState, final int newState) {
        final boolean wasActive = oldState == TcpState.ESTABLISHED;
        if (wasActive != (newState == TcpState.ESTABLISHED)) {
            if (wasActive) {
                activeConns.getAndAddRelease(-1);
                inactiveConns.incrementRelease();
            } else {
                inactiveConns.getAndAddRelease(-1);
                activeConns.incrementRelease();
            }
        }
    }

    /** A flow ended (expired, reset, drained); {@code active} if it was a TCP flow in ESTABLISHED. */
    void flowClosed(final boolean active) {
        (active ? activeConns : inactiveConns).getAndAddRelease(-1);
    }

    /** One packet from the client towards the backend. */
    void in(final int ipBytes) {
        inPackets.incrementRelease();
        inBytes.getAndAddRelease(ipBytes);
    }

    /** One packet from the backend towards the client. */
    void out(final int ipBytes) {
        outPackets.incrementRelease();
        outBytes.getAndAddRelease(ipBytes);
    }

    /** Flows created. */
    public long conns() {
        return conns.get();
    }

    /** TCP flows in ESTABLISHED. */
    public long activeConns() {
        return activeConns.get();
    }

    /** Other TCP flows and UDP flows. */
    public long inactiveConns() {
        return inactiveConns.get();
    }

    public long inPackets() {
        return inPackets.get();
    }

    public long outPackets() {
        return outPackets.get();
    }

    public long inBytes() {
        return inBytes.get();
    }

    public long outBytes() {
        return outBytes.get();
    }

    /** Frees the counters in their manager; only once no agent can reach them any more. */
    @Override
    public void close() {
        conns.close();
        activeConns.close();
        inactiveConns.close();
        inPackets.close();
        outPackets.close();
        inBytes.close();
        outBytes.close();
    }
}
