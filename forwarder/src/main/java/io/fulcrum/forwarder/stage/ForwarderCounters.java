package io.fulcrum.forwarder.stage;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The counters of one forwarder agent, allocated once in a {@link CountersManager} (in production the one
 * of {@code io.fulcrum.common.counters.CountersFile}, readable by {@code fulcrum stats}). Type ids and key
 * layout: {@link ForwarderCounterTypes}. Each counter has one writer, the agent thread.
 */
public final class ForwarderCounters implements AutoCloseable {
    private final AtomicCounter rxFrames;
    private final AtomicCounter rxBytes;
    private final AtomicCounter txFrames;
    private final AtomicCounter txBytes;
    private final AtomicCounter verdictTransmit;
    private final AtomicCounter verdictConsume;
    private final AtomicCounter flowsActive;
    private final AtomicCounter localPortsFree;
    private final AtomicCounter[] drops;
    private final AtomicCounter[] events;
    private final AtomicCounter[] portKernelDrops;

    /**
     * @param manager   where to allocate the counters.
     * @param agentId   the agent's id (label prefix and key).
     * @param portNames the port names, in port order (labels of the per-port counters).
     */
    public ForwarderCounters(final CountersManager manager, final int agentId, final String[] portNames) {
        final String prefix = "agent-" + agentId + " ";
        rxFrames = traffic(manager, agentId, prefix + "rx frames", ForwarderCounterTypes.TRAFFIC_RX_FRAMES);
        rxBytes = traffic(manager, agentId, prefix + "rx bytes", ForwarderCounterTypes.TRAFFIC_RX_BYTES);
        txFrames = traffic(manager, agentId, prefix + "tx frames", ForwarderCounterTypes.TRAFFIC_TX_FRAMES);
        txBytes = traffic(manager, agentId, prefix + "tx bytes", ForwarderCounterTypes.TRAFFIC_TX_BYTES);
        verdictTransmit = traffic(manager, agentId, prefix + "verdict transmit", ForwarderCounterTypes.TRAFFIC_VERDICT_TRANSMIT);
        verdictConsume = traffic(manager, agentId, prefix + "verdict consume", ForwarderCounterTypes.TRAFFIC_VERDICT_CONSUME);
        flowsActive = traffic(manager, agentId, prefix + "flows active", ForwarderCounterTypes.TRAFFIC_FLOWS_ACTIVE);
        localPortsFree = traffic(manager, agentId, prefix + "local-ports free", ForwarderCounterTypes.TRAFFIC_LOCAL_PORTS_FREE);
        drops = new AtomicCounter[DropReason.count()];
        for (int i = 0; i < drops.length; i++) {
            drops[i] = allocate(manager, ForwarderCounterTypes.DROP, agentId, i, prefix + "drop " + DropReason.of(i).label());
        }
        events = new AtomicCounter[ForwarderEvent.count()];
        for (int i = 0; i < events.length; i++) {
            events[i] = allocate(manager, ForwarderCounterTypes.EVENT, agentId, i,
                prefix + "event " + ForwarderEvent.of(i).label());
        }
        portKernelDrops = new AtomicCounter[portNames.length];
        for (int i = 0; i < portNames.length; i++) {
            portKernelDrops[i] = allocate(manager, ForwarderCounterTypes.PORT_KERNEL_DROPS, agentId, i,
                prefix + "port " + portNames[i] + " kernel-drops");
        }
    }

    private static AtomicCounter traffic(final CountersManager manager, final int agentId, final String label, final int slot) {
        return allocate(manager, ForwarderCounterTypes.TRAFFIC, agentId, slot, label);
    }

    private static AtomicCounter allocate(final CountersManager manager, final int typeId, final int agentId, final int index,
                                          final String label) {
        return manager.newCounter(label, typeId, key -> {
            key.putInt(0, agentId);
            key.putInt(4, index);
        });
    }

    /** Counts a verdict's drop reason ordinal (see {@link Verdict#dropOrdinal}). */
    public void drop(final int ordinal) {
        drops[ordinal].incrementRelease();
    }

    public void drop(final DropReason reason) {
        drops[reason.ordinal()].incrementRelease();
    }

    public void event(final ForwarderEvent event) {
        events[event.ordinal()].incrementRelease();
    }

    public void event(final ForwarderEvent event, final int count) {
        events[event.ordinal()].getAndAddRelease(count);
    }

    public void rx(final int frames, final long bytes) {
        rxFrames.getAndAddRelease(frames);
        rxBytes.getAndAddRelease(bytes);
    }

    public void tx(final int length) {
        txFrames.incrementRelease();
        txBytes.getAndAddRelease(length);
    }

    public void transmitted() {
        verdictTransmit.incrementRelease();
    }

    public void consumed() {
        verdictConsume.incrementRelease();
    }

    /** Publishes the L4 gauges (flows in the table, free local ports). */
    public void l4Gauges(final long flows, final long freeLocalPorts) {
        flowsActive.setRelease(flows);
        localPortsFree.setRelease(freeLocalPorts);
    }

    public long flowsActive() {
        return flowsActive.get();
    }

    public void portKernelDrops(final int port, final long value) {
        portKernelDrops[port].setRelease(value);
    }

    // ---- reads, for tests, the runner and the conductor ----

    public long rxFrames() {
        return rxFrames.get();
    }

    public long rxBytes() {
        return rxBytes.get();
    }

    public long txFrames() {
        return txFrames.get();
    }

    public long txBytes() {
        return txBytes.get();
    }

    public long transmittedCount() {
        return verdictTransmit.get();
    }

    public long consumedCount() {
        return verdictConsume.get();
    }

    public long drops(final DropReason reason) {
        return drops[reason.ordinal()].get();
    }

    public long dropTotal() {
        long total = 0;
        for (final AtomicCounter counter : drops) {
            total += counter.get();
        }
        return total;
    }

    public long events(final ForwarderEvent event) {
        return events[event.ordinal()].get();
    }

    public long portKernelDrops(final int port) {
        return portKernelDrops[port].get();
    }

    /** Frees every counter in the manager (the agent is gone). */
    @Override
    public void close() {
        rxFrames.close();
        rxBytes.close();
        txFrames.close();
        txBytes.close();
        verdictTransmit.close();
        verdictConsume.close();
        flowsActive.close();
        localPortsFree.close();
        for (final AtomicCounter counter : drops) {
            counter.close();
        }
        for (final AtomicCounter counter : events) {
            counter.close();
        }
        for (final AtomicCounter counter : portKernelDrops) {
            counter.close();
        }
    }
}
