package io.fulcrum.scheduler.persistence;

import io.fulcrum.scheduler.GroupSnapshot;

/**
 * Insert-cookie values of one snapshot's backends, for the L7 stage: resolve a request's cookie value to a slot
 * and get the precomputed {@code Set-Cookie} value for a response. Immutable; lookups allocate nothing.
 */
public final class InsertCookieIndex {
    private final GroupSnapshot snapshot;
    private final String[] values;
    private final String[] headers;
    private final String[] secureHeaders;
    private final int[] buckets;
    private final int mask;

    InsertCookieIndex(final GroupSnapshot snapshot, final String[] values, final String[] headers, final String[] secureHeaders) {
        this.snapshot = snapshot;
        this.values = values;
        this.headers = headers;
        this.secureHeaders = secureHeaders;
        int size = 16;
        while (size < values.length * 2) {
            size <<= 1;
        }
        this.mask = size - 1;
        this.buckets = new int[size];
        java.util.Arrays.fill(buckets, -1);
        for (int slot = 0; slot < values.length; slot++) {
            if (values[slot] != null) {
                int b = hash(values[slot]) & mask;
                while (buckets[b] >= 0) {
                    b = (b + 1) & mask;
                }
                buckets[b] = slot;
            }
        }
    }

    /** The snapshot this index was built for. */
    public GroupSnapshot snapshot() {
        return snapshot;
    }

    /** The slot whose cookie value is {@code value} if that backend still takes new work; else -1. */
    public int slotFor(final CharSequence value) {
        int b = hash(value) & mask;
        while (true) {
            final int slot = buckets[b];
            if (slot < 0) {
                return -1;
            }
            if (equal(values[slot], value)) {
                return snapshot.isEligible(snapshot.ref(slot)) ? slot : -1;
            }
            b = (b + 1) & mask;
        }
    }

    /** The cookie value of the backend in {@code slot} (null for a free slot). */
    public String value(final int slot) {
        return values[slot];
    }

    /** The {@code Set-Cookie} header value for the backend in {@code slot}; {@code secure} adds the Secure attribute. */
    public String setCookieHeader(final int slot, final boolean secure) {
        return secure ? secureHeaders[slot] : headers[slot];
    }

    /**
     * True if the response from {@code slot} must carry {@code Set-Cookie}: the status is not 4xx and the request
     * did not already present this backend's value ({@code presented} may be null).
     */
    public boolean needsInsert(final CharSequence presented, final int slot, final int status) {
        return InsertCookieCodec.mayInsert(status) && (presented == null || !equal(values[slot], presented));
    }

    private static int hash(final CharSequence s) {
        int h = 0x811c9dc5;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private static boolean equal(final String a, final CharSequence b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (a.charAt(i) != b.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
