package io.fulcrum.forwarder.l4;

import java.util.Objects;

/**
 * Which {@link TrafficCounters} every agent updates, as part of one {@link L4Snapshot}: per agent, one set per
 * listener id, and per backend group one set per backend slot together with the backend ref it belongs to (a
 * slot reused for another backend gets another ref, so a flow of the old backend never counts on the new one).
 * Built by the conductor for each publication; plain arrays, never changed after construction.
 */
public final class L4TrafficCounters {
    private static final int SLOT_MASK = 0xffff;

    private final TrafficCounters[][] listeners;
    private final TrafficCounters[][][] backends;
    private final int[][] refs;

    /**
     * @param listeners {@code [agent][listener id]}; null entries count nothing.
     * @param backends  {@code [agent][group index][slot]}; null entries count nothing.
     * @param refs      {@code [group index][slot]}: the backend ref the slot's counters belong to, 0 for none.
     */
    public L4TrafficCounters(final TrafficCounters[][] listeners, final TrafficCounters[][][] backends, final int[][] refs) {
        Objects.requireNonNull(listeners, "listeners");
        Objects.requireNonNull(backends, "backends");
        Objects.requireNonNull(refs, "refs");
        if (listeners.length != backends.length) {
            throw new IllegalArgumentException("listeners and backends must have one entry per agent: " + listeners.length
                + " vs " + backends.length);
        }
        this.listeners = new TrafficCounters[listeners.length][];
        this.backends = new TrafficCounters[backends.length][][];
        for (int agent = 0; agent < listeners.length; agent++) {
            this.listeners[agent] = listeners[agent].clone();
            this.backends[agent] = new TrafficCounters[backends[agent].length][];
            if (backends[agent].length != refs.length) {
                throw new IllegalArgumentException("agent " + agent + ": backends of " + backends[agent].length
                    + " groups, refs of " + refs.length);
            }
            for (int group = 0; group < refs.length; group++) {
                if (backends[agent][group].length != refs[group].length) {
                    throw new IllegalArgumentException("group " + group + ": counters and refs differ in length");
                }
                this.backends[agent][group] = backends[agent][group].clone();
            }
        }
        this.refs = new int[refs.length][];
        for (int group = 0; group < refs.length; group++) {
            this.refs[group] = refs[group].clone();
        }
    }

    /** Number of agents. */
    public int agents() {
        return listeners.length;
    }

    /** The counters of listener {@code listenerId} on {@code agent}, or null. */
    public TrafficCounters listener(final int agent, final int listenerId) {
        if (agent >= listeners.length) {
            return null;
        }
        final TrafficCounters[] byId = listeners[agent];
        return listenerId >= 0 && listenerId < byId.length ? byId[listenerId] : null;
    }

    /** The counters of backend {@code ref} of group {@code groupIndex} on {@code agent}, or null. */
    public TrafficCounters backend(final int agent, final int groupIndex, final int ref) {
        if (agent >= backends.length || groupIndex < 0 || groupIndex >= refs.length) {
            return null;
        }
        final int slot = ref & SLOT_MASK;
        final int[] groupRefs = refs[groupIndex];
        return slot < groupRefs.length && groupRefs[slot] == ref && ref != 0 ? backends[agent][groupIndex][slot] : null;
    }
}
