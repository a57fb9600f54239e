package io.fulcrum.forwarder.l4;

/**
 * Remembers, per agent, how the first fragment of a datagram was translated, so later fragments (which carry no
 * ports) get the same addresses. Direct-mapped on (source, destination, IP id, protocol), fixed size, entries
 * live {@link #LIFETIME_MS} (RFC 791's reassembly timeout order). A later fragment whose first fragment was not
 * seen here (reordered, lost, or received by another agent) is dropped and counted. Allocation-free.
 */
final class FragmentCache {
    /** How long the translation of a datagram's first fragment is kept. */
    static final long LIFETIME_MS = 30_000;
    private static final int SIZE = 4096;
    private static final int MASK = SIZE - 1;

    private final int[] sources = new int[SIZE];
    private final int[] destinations = new int[SIZE];
    private final int[] idProtocols = new int[SIZE];
    private final int[] newSources = new int[SIZE];
    private final int[] newDestinations = new int[SIZE];
    private final long[] expiresMs = new long[SIZE];
    private int foundSource;
    private int foundDestination;

    void put(final int source, final int destination, final int id, final int protocol, final int newSource,
             final int newDestination, final long nowMs) {
        final int idProtocol = (id << 8) | protocol;
        final int slot = slot(source, destination, idProtocol);
        sources[slot] = source;
        destinations[slot] = destination;
        idProtocols[slot] = idProtocol;
        newSources[slot] = newSource;
        newDestinations[slot] = newDestination;
        expiresMs[slot] = nowMs + LIFETIME_MS;
    }

    /** Looks a later fragment up; on success {@link #newSource()} and {@link #newDestination()} hold the translation. */
    boolean find(final int source, final int destination, final int id, final int protocol, final long nowMs) {
        final int idProtocol = (id << 8) | protocol;
        final int slot = slot(source, destination, idProtocol);
        if (sources[slot] != source || destinations[slot] != destination || idProtocols[slot] != idProtocol
            || nowMs >= expiresMs[slot]) {
            return false;
        }
        foundSource = newSources[slot];
        foundDestination = newDestinations[slot];
        return true;
    }

    int newSource() {
        return foundSource;
    }

    int newDestination() {
        return foundDestination;
    }

    private static int slot(final int source, final int destination, final int idProtocol) {
        int h = source * 0x9E3779B9 + destination;
        h = h * 0x85EBCA6B + idProtocol;
        h ^= h >>> 15;
        return h & MASK;
    }
}
