package io.fulcrum.scheduler.persistence;

import io.fulcrum.scheduler.GroupSnapshot;

/**
 * L7 {@code app-cookie} persistence: the L7 stage learns the value of the backend's own cookie (name from the
 * config) from {@code Set-Cookie} in responses, and later requests that carry that value go to the same backend
 * until the mapping has not been used for the timeout (1–86400 s). Values are stored as a 128-bit SipHash keyed
 * with the node secret (never the value itself), in a node-wide {@link PersistenceTable}. Allocation-free; safe
 * from any number of event loops (each with its own lane).
 */
public final class AppCookiePersistence {
    /** Longest cookie value considered (longer values are ignored). */
    public static final int MAX_VALUE_LENGTH = 4096;
    /** Largest timeout. */
    public static final int MAX_TIMEOUT_S = 86_400;

    private final PersistenceTable table;
    private final long k0;
    private final long k1;
    private final long k2;
    private final long k3;

    public AppCookiePersistence(final PersistenceTable table, final NodeSecret secret) {
        this.table = table;
        this.k0 = secret.subKey("app-cookie-0");
        this.k1 = secret.subKey("app-cookie-1");
        this.k2 = secret.subKey("app-cookie-2");
        this.k3 = secret.subKey("app-cookie-3");
    }

    /** Refuses timeouts outside 1–86400 s. */
    public static int validateTimeoutS(final int timeoutS) {
        if (timeoutS < 1 || timeoutS > MAX_TIMEOUT_S) {
            throw new IllegalArgumentException("cookie persistence timeout must be 1-86400 s, got " + timeoutS);
        }
        return timeoutS;
    }

    public PersistenceTable table() {
        return table;
    }

    /**
     * Records that backend {@code ref} set its cookie to {@code value}. Returns {@code ref}, or a negative
     * {@link PersistenceTable} code if nothing was stored (bucket busy or full, empty or over-long value).
     */
    public int learn(final int lane, final int groupId, final CharSequence value, final int ref, final long timeoutMs,
                     final long nowMs) {
        if (value.isEmpty() || value.length() > MAX_VALUE_LENGTH) {
            return PersistenceTable.FULL;
        }
        return table.put(lane, groupId, SipHash.hash(k0, k1, value), SipHash.hash(k2, k3, value), ref, timeoutMs, nowMs);
    }

    /** The backend ref learnt for {@code value}, or {@link PersistenceTable#MISS}. Slides the timeout on a hit. */
    public int lookup(final int lane, final int groupId, final CharSequence value, final long timeoutMs, final long nowMs) {
        if (value.isEmpty() || value.length() > MAX_VALUE_LENGTH) {
            return PersistenceTable.MISS;
        }
        return table.lookup(lane, groupId, SipHash.hash(k0, k1, value), SipHash.hash(k2, k3, value), timeoutMs, nowMs);
    }

    /** The slot for a request carrying {@code value}, or -1 if unknown or its backend no longer takes new work. */
    public int slotFor(final GroupSnapshot snapshot, final int lane, final int groupId, final CharSequence value,
                       final long timeoutMs, final long nowMs) {
        final int ref = lookup(lane, groupId, value, timeoutMs, nowMs);
        return ref > 0 && snapshot.isEligible(ref) ? GroupSnapshot.slotOf(ref) : -1;
    }
}
