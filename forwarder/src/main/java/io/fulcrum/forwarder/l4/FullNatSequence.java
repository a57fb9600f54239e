package io.fulcrum.forwarder.l4;

import java.security.SecureRandom;

/**
 * Chooses the initial sequence number a FULLNAT connection shows its backend (the forwarder then translates every
 * client sequence number, and every backend acknowledgment and SACK edge back, by the difference).
 *
 * <p>Why: a local (address, port) pair is reused for new connections to the same backend while the backend may
 * still hold the previous connection in TIME_WAIT. Linux accepts a SYN into TIME_WAIT only if its sequence number
 * lies after the old connection's (timestamps aside, which FULLNAT removes from the SYN). The client's own ISN is
 * random with respect to this tuple, since the client's tuple differs, so half of such SYNs would be answered with a
 * stale ACK and cost the client a retransmission. Like Linux's own ISNs (RFC 6528) and DPVS's FULLNAT, the chosen
 * ISN is a keyed hash of the backend-side tuple plus a clock that advances 15.625 million per second, so it
 * grows for a given tuple.
 */
@FunctionalInterface
public interface FullNatSequence {
    /** Clock ticks per millisecond: one per 64 ns, as Linux's ISN clock. */
    int TICKS_PER_MS = 15_625;

    /**
     * The backend-side ISN of a new connection.
     *
     * @param localIp the local address.
     * @param localPort the local port.
     * @param backendIp the backend address.
     * @param backendPort the backend port.
     * @param clientIsn the client's ISN.
     * @param nowMs the agent clock.
     * @return the ISN to show the backend.
     */
    int initialSequence(int localIp, int localPort, int backendIp, int backendPort, int clientIsn, long nowMs);

    /** No translation: the backend sees the client's ISN (for tests of the other rewrites). */
    FullNatSequence CLIENT = (localIp, localPort, backendIp, backendPort, clientIsn, nowMs) -> clientIsn;

    /**
     * The production choice: keyed hash of the backend-side tuple plus the ISN clock.
     *
     * @return a source with a fresh random key.
     */
    static FullNatSequence secure() {
        final long key = new SecureRandom().nextLong();
        return (localIp, localPort, backendIp, backendPort, clientIsn, nowMs) -> {
            long h = key ^ ((long) localIp << 32 | (backendIp & 0xFFFFFFFFL));
            h ^= (long) localPort << 16 | backendPort;
            h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
            h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
            h ^= h >>> 33;
            return (int) h + (int) (nowMs * TICKS_PER_MS);
        };
    }
}
