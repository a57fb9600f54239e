package io.fulcrum.control.runtime;

/**
 * Traffic of one listener or backend, summed over the forwarder agents.
 *
 * @param connections       connections created since start
 * @param activeConnections established connections now
 * @param inactiveConnections other tracked connections now (handshake, closing, UDP flows)
 * @param packetsIn         packets from clients
 * @param packetsOut        packets to clients
 * @param bytesIn           bytes from clients
 * @param bytesOut          bytes to clients
 */
public record ObjectStats(long connections, long activeConnections, long inactiveConnections, long packetsIn,
                          long packetsOut, long bytesIn, long bytesOut) {
    /** No traffic. */
    public static final ObjectStats ZERO = new ObjectStats(0, 0, 0, 0, 0, 0, 0);

    /** Concurrent connections: active plus inactive. */
    public long concurrentConnections() {
        return activeConnections + inactiveConnections;
    }

    /** The sum of two. */
    public ObjectStats plus(final ObjectStats o) {
        return new ObjectStats(connections + o.connections, activeConnections + o.activeConnections,
            inactiveConnections + o.inactiveConnections, packetsIn + o.packetsIn, packetsOut + o.packetsOut,
            bytesIn + o.bytesIn, bytesOut + o.bytesOut);
    }

    /** Per-second rates from two samples {@code elapsedNs} apart (gauges keep their current value). */
    public ObjectStats ratesSince(final ObjectStats before, final long elapsedNs) {
        final double seconds = Math.max(elapsedNs, 1) / 1e9;
        return new ObjectStats(rate(connections - before.connections, seconds), activeConnections, inactiveConnections,
            rate(packetsIn - before.packetsIn, seconds), rate(packetsOut - before.packetsOut, seconds),
            rate(bytesIn - before.bytesIn, seconds), rate(bytesOut - before.bytesOut, seconds));
    }

    private static long rate(final long delta, final double seconds) {
        return Math.max(0, Math.round(delta / seconds));
    }
}
