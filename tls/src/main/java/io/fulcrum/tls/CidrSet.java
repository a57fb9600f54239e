package io.fulcrum.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable set of IPv4/IPv6 CIDR blocks: the trusted PROXY-protocol sources and the ACL of a listener. The blocks
 * are turned into sorted, non-overlapping address ranges per family (a block inside another is dropped), so a lookup
 * is one binary search whatever the number of blocks (ACLs may list tens of thousands).
 */
public final class CidrSet {
    /** IPv4 ranges as unsigned 32-bit values in longs. */
    private final long[] v4Start;
    private final long[] v4End;
    /** IPv6 ranges as (high, low) 64-bit halves, compared unsigned. */
    private final long[] v6StartHi;
    private final long[] v6StartLo;
    private final long[] v6EndHi;
    private final long[] v6EndLo;

    private CidrSet(long[][] v4, long[][] v6) {
        this.v4Start = v4[0];
        this.v4End = v4[1];
        this.v6StartHi = v6[0];
        this.v6StartLo = v6[1];
        this.v6EndHi = v6[2];
        this.v6EndLo = v6[3];
    }

    /** Parses {@code a.b.c.d/n}, {@code x::y/n} or a bare address (full length); host bits are ignored. */
    public static CidrSet of(List<String> cidrs) {
        final List<long[]> v4 = new ArrayList<>();
        final List<long[]> v6 = new ArrayList<>();
        for (String cidr : cidrs) {
            final Object[] parsed = parse(cidr);
            final byte[] bytes = (byte[]) parsed[0];
            final int len = (Integer) parsed[1];
            if (bytes.length == 4) {
                final long a = ((bytes[0] & 0xFFL) << 24) | ((bytes[1] & 0xFFL) << 16) | ((bytes[2] & 0xFFL) << 8)
                        | (bytes[3] & 0xFFL);
                final long hostMask = (1L << (32 - len)) - 1;
                v4.add(new long[] {a & ~hostMask, (a & ~hostMask) | hostMask});
            } else {
                final long hi = half(bytes, 0);
                final long lo = half(bytes, 8);
                final long hiMask = len >= 64 ? 0 : -1L >>> len;
                final long loMask = len <= 64 ? -1L : len == 128 ? 0 : -1L >>> (len - 64);
                v6.add(new long[] {hi & ~hiMask, lo & ~loMask, hi | hiMask, lo | loMask});
            }
        }
        v4.sort(Comparator.<long[]>comparingLong(r -> r[0]).thenComparing(r -> -r[1]));
        final List<long[]> v4Kept = new ArrayList<>();
        for (long[] r : v4) {
            // blocks are either nested or disjoint: one that starts inside the last kept block lies inside it
            if (v4Kept.isEmpty() || r[0] > v4Kept.getLast()[1]) {
                v4Kept.add(r);
            }
        }
        v6.sort((x, y) -> {
            final int c = compare(x[0], x[1], y[0], y[1]);
            return c != 0 ? c : compare(y[2], y[3], x[2], x[3]);
        });
        final List<long[]> v6Kept = new ArrayList<>();
        for (long[] r : v6) {
            if (v6Kept.isEmpty() || compare(r[0], r[1], v6Kept.getLast()[2], v6Kept.getLast()[3]) > 0) {
                v6Kept.add(r);
            }
        }
        return new CidrSet(columns(v4Kept, 2), columns(v6Kept, 4));
    }

    private static long[][] columns(List<long[]> rows, int width) {
        final long[][] cols = new long[width][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            for (int c = 0; c < width; c++) {
                cols[c][i] = rows.get(i)[c];
            }
        }
        return cols;
    }

    private static long half(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = (v << 8) | (b[i] & 0xFFL);
        }
        return v;
    }

    private static int compare(long aHi, long aLo, long bHi, long bLo) {
        final int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    /** Parses one CIDR, returning {network bytes, prefix length}; throws IllegalArgumentException on bad input. */
    static Object[] parse(String cidr) {
        final int slash = cidr.indexOf('/');
        final String addr = slash < 0 ? cidr : cidr.substring(0, slash);
        if (addr.isEmpty() || !addr.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
            throw new IllegalArgumentException("bad CIDR " + cidr);
        }
        final byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad CIDR " + cidr, e);
        }
        final int len;
        try {
            len = slash < 0 ? bytes.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad CIDR prefix " + cidr, e);
        }
        if (len < 0 || len > bytes.length * 8) {
            throw new IllegalArgumentException("bad CIDR prefix " + cidr);
        }
        return new Object[] {bytes, len};
    }

    /** Whether the address lies in one of the blocks. */
    public boolean contains(InetAddress address) {
        final byte[] a = address.getAddress();
        if (a.length == 4) {
            final long v = ((a[0] & 0xFFL) << 24) | ((a[1] & 0xFFL) << 16) | ((a[2] & 0xFFL) << 8) | (a[3] & 0xFFL);
            // last range starting at or below v
            int lo = 0;
            int hi = v4Start.length - 1;
            int found = -1;
            while (lo <= hi) {
                final int mid = (lo + hi) >>> 1;
                if (v4Start[mid] <= v) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return found >= 0 && v <= v4End[found];
        }
        final long vHi = half(a, 0);
        final long vLo = half(a, 8);
        int lo = 0;
        int hi = v6StartHi.length - 1;
        int found = -1;
        while (lo <= hi) {
            final int mid = (lo + hi) >>> 1;
            if (compare(v6StartHi[mid], v6StartLo[mid], vHi, vLo) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found >= 0 && compare(vHi, vLo, v6EndHi[found], v6EndLo[found]) <= 0;
    }

    /** Whether the set is empty. */
    public boolean isEmpty() {
        return v4Start.length == 0 && v6StartHi.length == 0;
    }

    /** Number of ranges kept after dropping nested blocks (for tests). */
    int ranges() {
        return v4Start.length + v6StartHi.length;
    }
}
