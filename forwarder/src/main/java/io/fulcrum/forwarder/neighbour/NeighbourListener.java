package io.fulcrum.forwarder.neighbour;

/**
 * Hears that an agent learned or refreshed a neighbour from an ARP packet it received, so the other agents of the
 * node can learn it too: an ARP packet reaches only one agent (the fanout program's agent 0, or whichever AF_XDP
 * queue it arrived on), but every agent resolves next hops. Called on the agent thread, per ARP packet: must not
 * allocate, block or throw.
 */
@FunctionalInterface
public interface NeighbourListener {
    /**
     * @param address the neighbour's IPv4 address.
     * @param mac     its MAC.
     * @param port    the port (interface index) it is behind.
     * @param nowMs   the duty cycle's clock.
     */
    void onNeighbourLearned(int address, long mac, int port, long nowMs);

    /** Tells nobody (a single agent). */
    NeighbourListener NONE = (address, mac, port, nowMs) -> {
    };
}
