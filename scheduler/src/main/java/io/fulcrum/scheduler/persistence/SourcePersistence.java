package io.fulcrum.scheduler.persistence;

import io.fulcrum.scheduler.GroupSnapshot;
import io.fulcrum.scheduler.Scheduler;

/**
 * L4 source-IP persistence over a node-wide {@link PersistenceTable}: a client stays on its backend whichever
 * core its packets reach, until it has made no new connection for the timeout (1–3600 s, default 1200 s).
 * Entries whose backend is no longer eligible (down, draining, removed) are replaced on the client's next new
 * connection. Allocation-free; call once per new flow (established flows are in the flow table).
 */
public final class SourcePersistence {
    /** Default timeout. */
    public static final int DEFAULT_TIMEOUT_S = 1200;
    /** Largest timeout. */
    public static final int MAX_TIMEOUT_S = 3600;

    private final PersistenceTable table;

    public SourcePersistence(final PersistenceTable table) {
        this.table = table;
    }

    /** Refuses timeouts outside 1–3600 s. */
    public static int validateTimeoutS(final int timeoutS) {
        if (timeoutS < 1 || timeoutS > MAX_TIMEOUT_S) {
            throw new IllegalArgumentException("source-ip persistence timeout must be 1-3600 s, got " + timeoutS);
        }
        return timeoutS;
    }

    /** The low key word of an IPv4 address (::ffff:a.b.c.d); the high word is 0. */
    public static long ipv4Low(final int ipv4) {
        return 0x0000_ffff_0000_0000L | (ipv4 & 0xffff_ffffL);
    }

    /** The table (for counters and the control side's sweep). */
    public PersistenceTable table() {
        return table;
    }

    /**
     * Picks a backend for a new flow from client {@code addressHigh/addressLow}: the persisted one if it is
     * still eligible, else a fresh pick that is then persisted (if another core persisted one for this client
     * meanwhile, that one wins so the client still lands on a single backend).
     *
     * @return a slot of {@code snapshot}, or the snapshot's no-backend code
     */
    public int pick(final GroupSnapshot snapshot, final Scheduler scheduler, final int lane, final int groupId,
                    final long addressHigh, final long addressLow, final long flowHash, final long timeoutMs, final long nowMs) {
        final int persisted = table.lookup(lane, groupId, addressHigh, addressLow, timeoutMs, nowMs);
        if (persisted > 0 && snapshot.isEligible(persisted)) {
            return GroupSnapshot.slotOf(persisted);
        }
        final int slot = scheduler.pick(snapshot, lane, flowHash);
        if (slot < 0) {
            return slot;
        }
        final int ref = snapshot.ref(slot);
        final int stored = table.putIfAbsent(lane, groupId, addressHigh, addressLow, ref, persisted, timeoutMs, nowMs);
        if (stored > 0 && stored != ref && snapshot.isEligible(stored)) {
            return GroupSnapshot.slotOf(stored);
        }
        return slot;
    }
}
