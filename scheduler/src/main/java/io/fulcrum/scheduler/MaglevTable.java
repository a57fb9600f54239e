package io.fulcrum.scheduler;

import java.util.Arrays;

/**
 * Weighted Maglev lookup tables (Eisenbud et al., NSDI 2016, §3.4, with Katran's weighting: a backend takes a
 * turn only when its accumulated weight reaches the largest weight). Each backend walks its own permutation
 * {@code offset + j·skip mod M} (M prime) and claims its next free entry on its turns until all M entries are
 * filled; its share of entries is within about one entry of {@code M × weight / Σweights}.
 *
 * <p><b>Minimal disruption.</b> A snapshot's table is a pure function of (configured members and their table
 * weights, eligible members, slow-start progress), so every node with the same configuration and health
 * computes the same table. It is built in two layers:
 * <ol>
 *   <li>the <em>base</em> table over all configured members (down, ejected and draining ones included) with
 *       their configured weights, cached until membership or weights change;</li>
 *   <li>a <em>fallback</em> table over the eligible members with their effective weights (members still
 *       ramping up in slow start left out, unless all of them ramp).</li>
 * </ol>
 * An entry keeps its base owner if that owner is eligible (and, while it ramps up in slow start, if the
 * entry's hash falls under its ramp fraction); otherwise it takes the fallback owner. So a backend that goes
 * down, is ejected, gets weight 0 or is removed (while it drains) moves only its own entries; no other entry
 * changes owner. When a removed backend's drain ends and it leaves the base, the base is rebuilt and Maglev's
 * usual small extra churn applies once.
 *
 * <p>Members are ordered by {@link BackendSpec#identityHash()}, never by slot, so the add order does not matter.
 */
public final class MaglevTable {
    /** Default table size M (Katran, Maglev paper). */
    public static final int DEFAULT_SIZE = 65537;
    /** Smallest accepted M. */
    public static final int MIN_SIZE = 251;
    /** Largest accepted M. */
    public static final int MAX_SIZE = 1 << 22;

    private static final long OFFSET_SEED = 0x3c6e_f372_fe94_f82bL;
    private static final long SKIP_SEED = 0xa54f_f53a_5f1d_36f1L;
    private static final long RAMP_SEED = 0x510e_527f_ade6_82d1L;

    private final int size;
    private long[] cachedKeys = new long[0];
    private int[] cachedWeights = new int[0];
    private int[] cachedOwners = new int[0];
    private int[] cachedBase;

    /** A builder for tables of {@code size} entries (validated with {@link #validateSize}). */
    public MaglevTable(final int size) {
        validateSize(size);
        this.size = size;
    }

    /** Refuses sizes that are not a prime in [251, 4194304]. */
    public static void validateSize(final int size) {
        if (size < MIN_SIZE || size > MAX_SIZE || !isPrime(size)) {
            throw new IllegalArgumentException("Maglev table size must be a prime between " + MIN_SIZE + " and " + MAX_SIZE
                + " (default " + DEFAULT_SIZE + "), got " + size);
        }
    }

    /** Trial division; control side only. */
    public static boolean isPrime(final int n) {
        if (n < 2) {
            return false;
        }
        if (n % 2 == 0) {
            return n == 2;
        }
        for (int d = 3; (long) d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    /** Table index of a flow hash: multiply-shift on the upper 32 bits (no division on the packet path). */
    public static int indexOf(final long flowHash, final int tableLength) {
        return (int) (((flowHash >>> 32) * tableLength) >>> 32);
    }

    public int size() {
        return size;
    }

    /**
     * Fills a table of {@code m} entries with {@code owners[i]} according to the weighted Maglev rule.
     * Members are taken in the given order; weights must be above 0; at least one member.
     */
    public static int[] populate(final int m, final long[] identityHashes, final int[] weights, final int[] owners) {
        final int n = owners.length;
        final int[] table = new int[m];
        Arrays.fill(table, -1);
        final int[] position = new int[n];
        final int[] skip = new int[n];
        final long[] accumulated = new long[n];
        int maxWeight = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] <= 0) {
                throw new IllegalArgumentException("Maglev member weights must be above 0");
            }
            position[i] = (int) Long.remainderUnsigned(FlowHash.mix64(identityHashes[i] ^ OFFSET_SEED), m);
            skip[i] = (int) Long.remainderUnsigned(FlowHash.mix64(identityHashes[i] ^ SKIP_SEED), m - 1) + 1;
            maxWeight = Math.max(maxWeight, weights[i]);
        }
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                accumulated[i] += weights[i];
                if (accumulated[i] < maxWeight) {
                    continue;
                }
                accumulated[i] -= maxWeight;
                int p = position[i];
                final int s = skip[i];
                while (table[p] >= 0) {
                    p += s;
                    if (p >= m) {
                        p -= m;
                    }
                }
                table[p] = owners[i];
                p += s;
                if (p >= m) {
                    p -= m;
                }
                position[i] = p;
                if (++filled == m) {
                    return table;
                }
            }
        }
    }

    /** Control side: the snapshot's table (see the class comment), or an empty array if nothing is eligible. */
    int[] build(final SnapshotDraft draft) {
        final int[] base = baseTable(draft);
        final int[] effective = draft.effectiveWeights;
        final int[] ramp = draft.rampPermille;
        boolean allKept = base != null;
        boolean anyEligible = false;
        for (int slot = 0; slot < effective.length; slot++) {
            if (effective[slot] > 0) {
                anyEligible = true;
                if (ramp[slot] < 1000 || draft.tableWeights[slot] == 0) {
                    allKept = false;
                }
            } else if (draft.tableWeights[slot] > 0) {
                allKept = false;
            }
        }
        if (!anyEligible) {
            return new int[0];
        }
        if (allKept) {
            return base;
        }
        final int[] fallback = layer(fallbackWeights(effective, ramp), draft.identityHashes);
        if (base == null) {
            return fallback;
        }
        final int[] table = new int[size];
        for (int p = 0; p < size; p++) {
            final int owner = base[p];
            table[p] = effective[owner] > 0 && (ramp[owner] >= 1000 || rampBucket(p) < ramp[owner]) ? owner : fallback[p];
        }
        return table;
    }

    /**
     * Weights of the fallback layer: eligible members at full weight. A ramping member already gets its ramp
     * fraction of its own base entries, so it stays out of the fallback (else it would get more than its ramp)
     * unless every eligible member ramps.
     */
    private static int[] fallbackWeights(final int[] effective, final int[] ramp) {
        final int[] weights = new int[effective.length];
        boolean any = false;
        for (int slot = 0; slot < effective.length; slot++) {
            if (effective[slot] > 0 && ramp[slot] >= 1000) {
                weights[slot] = effective[slot];
                any = true;
            }
        }
        return any ? weights : effective;
    }

    /** 0..999, the entry's position on the slow-start ramp. */
    private static int rampBucket(final int entry) {
        return (int) (((FlowHash.mix64(entry ^ RAMP_SEED) >>> 32) * 1000) >>> 32);
    }

    private int[] baseTable(final SnapshotDraft draft) {
        final int[] weights = draft.tableWeights;
        int n = 0;
        for (final int w : weights) {
            if (w > 0) {
                n++;
            }
        }
        if (n == 0) {
            return null;
        }
        final long[] keys = new long[n];
        final int[] w = new int[n];
        final int[] owners = new int[n];
        order(weights, draft.identityHashes, keys, w, owners);
        if (cachedBase != null && Arrays.equals(keys, cachedKeys) && Arrays.equals(w, cachedWeights)
            && Arrays.equals(owners, cachedOwners)) {
            return cachedBase;
        }
        cachedBase = populate(size, keys, w, owners);
        cachedKeys = keys;
        cachedWeights = w;
        cachedOwners = owners;
        return cachedBase;
    }

    private int[] layer(final int[] weightsBySlot, final long[] identityHashes) {
        int n = 0;
        for (final int w : weightsBySlot) {
            if (w > 0) {
                n++;
            }
        }
        final long[] keys = new long[n];
        final int[] w = new int[n];
        final int[] owners = new int[n];
        order(weightsBySlot, identityHashes, keys, w, owners);
        return populate(size, keys, w, owners);
    }

    /** Members with weight above 0, ordered by identity hash (ties by slot, for two entries of one endpoint). */
    private static void order(final int[] weightsBySlot, final long[] identityHashes, final long[] keys, final int[] weights,
                              final int[] owners) {
        final int n = owners.length;
        final long[][] rows = new long[n][];
        int i = 0;
        for (int slot = 0; slot < weightsBySlot.length; slot++) {
            if (weightsBySlot[slot] > 0) {
                rows[i++] = new long[] {identityHashes[slot], slot, weightsBySlot[slot]};
            }
        }
        Arrays.sort(rows, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        for (i = 0; i < n; i++) {
            keys[i] = rows[i][0];
            owners[i] = (int) rows[i][1];
            weights[i] = (int) rows[i][2];
        }
    }
}
