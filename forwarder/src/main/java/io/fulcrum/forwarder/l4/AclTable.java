package io.fulcrum.forwarder.l4;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A listener's IPv4 access list: {@code allow} admits only sources inside one of the prefixes (an empty
 * list admits nobody), {@code deny} admits everyone else. The prefixes are merged into sorted,
 * non-overlapping address ranges at build time, so a check is a binary search: O(log n) for any number of
 * entries (tens of thousands included). Immutable and allocation-free once built.
 */
public final class AclTable {
    /** How the list is applied. */
    public enum Mode {
        /** Only listed sources are admitted. */
        ALLOW,
        /** Listed sources are refused. */
        DENY
    }

    private final Mode mode;
    /** Range starts and ends, as unsigned addresses with the sign bit flipped so int order is address order. */
    private final int[] starts;
    private final int[] ends;

    private AclTable(final Mode mode, final int[] starts, final int[] ends) {
        this.mode = mode;
        this.starts = starts;
        this.ends = ends;
    }

    /**
     * Builds a table.
     *
     * @param mode          allow or deny.
     * @param networks      IPv4 network addresses (ints in network order).
     * @param prefixLengths the prefix length of each, 0–32.
     */
    public static AclTable of(final Mode mode, final int[] networks, final int[] prefixLengths) {
        if (networks.length != prefixLengths.length) {
            throw new IllegalArgumentException("one prefix length per network is needed");
        }
        final long[][] ranges = new long[networks.length][];
        for (int i = 0; i < networks.length; i++) {
            final int prefix = prefixLengths[i];
            if (prefix < 0 || prefix > 32) {
                throw new IllegalArgumentException("prefix length must be 0..32: " + prefix);
            }
            final long mask = prefix == 0 ? 0 : (0xffff_ffffL << (32 - prefix)) & 0xffff_ffffL;
            final long start = networks[i] & mask;
            ranges[i] = new long[] {start, start | (~mask & 0xffff_ffffL)};
        }
        Arrays.sort(ranges, (a, b) -> Long.compare(a[0], b[0]));
        final List<long[]> merged = new ArrayList<>();
        for (final long[] range : ranges) {
            final long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && range[0] <= last[1] + 1) {
                last[1] = Math.max(last[1], range[1]);
            } else {
                merged.add(range.clone());
            }
        }
        final int[] starts = new int[merged.size()];
        final int[] ends = new int[merged.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = (int) merged.get(i)[0] ^ Integer.MIN_VALUE;
            ends[i] = (int) merged.get(i)[1] ^ Integer.MIN_VALUE;
        }
        return new AclTable(mode, starts, ends);
    }

    /** True if a new flow from {@code source} may be created. */
    public boolean admits(final int source) {
        final boolean listed = contains(source);
        return mode == Mode.ALLOW ? listed : !listed;
    }

    /** True if {@code address} lies in one of the prefixes. */
    public boolean contains(final int address) {
        final int key = address ^ Integer.MIN_VALUE;
        final int[] starts = this.starts;
        int low = 0;
        int high = starts.length - 1;
        while (low <= high) {
            final int mid = (low + high) >>> 1;
            if (starts[mid] <= key) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return high >= 0 && key <= ends[high];
    }

    public Mode mode() {
        return mode;
    }

    /** Number of merged ranges. */
    public int ranges() {
        return starts.length;
    }
}
