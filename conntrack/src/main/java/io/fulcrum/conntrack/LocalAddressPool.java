package io.fulcrum.conntrack;

import java.util.Arrays;

/**
 * One core's share of the FULLNAT local addresses (LIP, local port) pairs. Single-threaded, O(1) and
 * allocation-free after construction.
 *
 * <p>Every core's pool holds the same local addresses but only the ports {@code p} with
 * {@code coreOfPort(p, coreCount) == coreId}, so the port alone says which core owns a flow: the packet steering
 * (fanout or XDP program, or with a power-of-two core count an {@code ethtool -N ... dst-port P m MASK} rule per
 * core, as DPVS does with Flow Director) sends backend replies, addressed to (local address, local port), to the
 * core that holds the flow. See {@link #coreOfPort}. A core's ports come in pairs of neighbours (2k, 2k+1), the
 * pairs dealt round the cores in turn.
 *
 * <p>A pair is not exclusive to one flow. The reply tuple of a FULLNAT flow is (backend address:port → local
 * address:port), so the same pair can serve one flow per backend at a time, as in DPVS. The pool therefore does
 * not decide whether a pair is free: {@link #next()} walks the pairs in a fixed rotation (interleaving the local
 * addresses, so a pair comes round again as late as possible) and the forwarder checks the reply tuple against its
 * flow table. The pool keeps how many flows use each pair ({@link #acquire}, {@link #release}) for the
 * {@link #available()} gauge and to catch double releases.
 */
public final class LocalAddressPool {
    /** Most local addresses per pool. */
    public static final int MAX_LOCAL_IPS = 256;

    private final int[] localIps;
    private final int minPort;
    private final int maxPort;
    private final int coreCount;
    private final int coreId;
    /** {@link #ordinal} of the lowest port of this core in the range. */
    private final int firstOrdinal;
    private final int portsPerIp;
    private final int size;
    private final int[] users;
    private int cursor;
    private int pairsInUse;

    private long allocations;
    private long releases;
    private long invalidReleases;

    /**
     * Creates one core's pool.
     *
     * @param localIps local addresses, distinct, 1 to {@link #MAX_LOCAL_IPS}.
     * @param minPort lowest local port, 1–65535.
     * @param maxPort highest local port, {@code minPort}–65535.
     * @param coreCount number of forwarder cores.
     * @param coreId this core, {@code 0 .. coreCount-1}.
     * @throws IllegalArgumentException naming the bad parameter.
     */
    public LocalAddressPool(final int[] localIps, final int minPort, final int maxPort, final int coreCount,
        final int coreId) {
        if (localIps == null || localIps.length == 0 || localIps.length > MAX_LOCAL_IPS) {
            throw new IllegalArgumentException("local addresses: need 1.." + MAX_LOCAL_IPS + " addresses");
        }
        if (minPort < 1 || maxPort > 65535 || minPort > maxPort) {
            throw new IllegalArgumentException("local port range must be within 1..65535 with min <= max, was "
                + minPort + ".." + maxPort);
        }
        if (coreCount < 1 || coreId < 0 || coreId >= coreCount) {
            throw new IllegalArgumentException("core " + coreId + " of " + coreCount + " cores is not valid");
        }
        this.localIps = localIps.clone();
        Arrays.sort(this.localIps);
        for (int i = 1; i < this.localIps.length; i++) {
            if (this.localIps[i] == this.localIps[i - 1]) {
                throw new IllegalArgumentException("local address listed twice: " + ipv4(this.localIps[i]));
            }
        }
        this.minPort = minPort;
        this.maxPort = maxPort;
        this.coreCount = coreCount;
        this.coreId = coreId;
        int first = minPort;
        while (first <= maxPort && coreOfPort(first, coreCount) != coreId) {
            first++;
        }
        if (first > maxPort) {
            throw new IllegalArgumentException("local port range " + minPort + ".." + maxPort + " has no port for core "
                + coreId + " of " + coreCount);
        }
        int last = maxPort;
        while (coreOfPort(last, coreCount) != coreId) {
            last--;
        }
        this.firstOrdinal = ordinal(first, coreCount);
        this.portsPerIp = ordinal(last, coreCount) - firstOrdinal + 1;
        this.size = portsPerIp * this.localIps.length;
        this.users = new int[size];
    }

    /**
     * The core that owns a port: the function the packet steering applies to the destination port of backend
     * replies (and the forwarder to the client port of packets to a VIP). The lowest bit is left out because Linux
     * gives {@code connect()} even ports first: {@code port % coreCount} would put every Linux client's
     * connection on the even cores.
     *
     * @param localPort the port, 0–65535.
     * @param coreCount number of forwarder cores.
     * @return {@code (localPort >>> 1) % coreCount} (with a power-of-two count {@code 2^k}, bits 1..k of the port:
     *         {@code (localPort >>> 1) & (coreCount - 1)}).
     */
    public static int coreOfPort(final int localPort, final int coreCount) {
        return (localPort >>> 1) % coreCount;
    }

    /**
     * The rank of a port among the ports of its core, from 0: its pair's rank among the core's pairs, twice, plus
     * its lowest bit. Ports of one core in increasing order have consecutive ordinals.
     */
    private static int ordinal(final int port, final int coreCount) {
        return ((port >>> 1) / coreCount << 1) | (port & 1);
    }

    /** The port of this core with ordinal {@code ordinal} (the inverse of {@link #ordinal}). */
    private int portOf(final int ordinal) {
        return ((ordinal >>> 1) * coreCount + coreId) << 1 | (ordinal & 1);
    }

    /**
     * The next pair of the rotation, whether or not flows use it: consecutive calls rotate over the local
     * addresses first, then the ports, and come back to a pair after {@link #size()} calls.
     *
     * @return a handle (decode with {@link #ip(int)} and {@link #port(int)}).
     */
    public int next() {
        final int position = cursor;
        cursor = position + 1 == size ? 0 : position + 1;
        final int ipCount = localIps.length;
        final int ipIndex = position % ipCount;
        return handle(ipIndex, portOf(firstOrdinal + position / ipCount));
    }

    /**
     * Local address of a handle.
     *
     * @param handle from {@link #next()}.
     * @return the address.
     */
    public int ip(final int handle) {
        return localIps[handle >>> 16];
    }

    /**
     * Local port of a handle.
     *
     * @param handle from {@link #next()}.
     * @return the port.
     */
    public static int port(final int handle) {
        return handle & 0xFFFF;
    }

    /**
     * Records one more flow on a pair.
     *
     * @param handle from {@link #next()}.
     */
    public void acquire(final int handle) {
        final int pair = pairIndex(handle >>> 16, port(handle));
        if (users[pair]++ == 0) {
            pairsInUse++;
        }
        allocations++;
    }

    /**
     * Records that a flow on a pair was removed.
     *
     * @param localIp the local address.
     * @param localPort the local port.
     * @return false, counted, if the pair is not this pool's or no flow uses it (double release).
     */
    public boolean release(final int localIp, final int localPort) {
        final int pair = pairOf(localIp, localPort);
        if (pair < 0 || users[pair] == 0) {
            invalidReleases++;
            return false;
        }
        if (--users[pair] == 0) {
            pairsInUse--;
        }
        releases++;
        return true;
    }

    /**
     * Whether a pair belongs to this pool.
     *
     * @param localIp the local address.
     * @param localPort the local port.
     * @return true if this core owns the pair.
     */
    public boolean owns(final int localIp, final int localPort) {
        return pairOf(localIp, localPort) >= 0;
    }

    /**
     * Flows currently using a pair.
     *
     * @param localIp the local address.
     * @param localPort the local port.
     * @return the count, 0 for a pair that is not this pool's.
     */
    public int users(final int localIp, final int localPort) {
        final int pair = pairOf(localIp, localPort);
        return pair < 0 ? 0 : users[pair];
    }

    /** @return pairs this core owns. */
    public int size() {
        return size;
    }

    /** @return pairs no flow uses. */
    public int available() {
        return size - pairsInUse;
    }

    /** @return acquisitions since creation. */
    public long allocations() {
        return allocations;
    }

    /** @return successful releases. */
    public long releases() {
        return releases;
    }

    /** @return refused releases (unknown pair, other core's port, double release). */
    public long invalidReleases() {
        return invalidReleases;
    }

    /** @return the core this pool serves. */
    public int coreId() {
        return coreId;
    }

    private int pairOf(final int localIp, final int localPort) {
        final int ipIndex = Arrays.binarySearch(localIps, localIp);
        if (ipIndex < 0 || localPort < minPort || localPort > maxPort || coreOfPort(localPort, coreCount) != coreId) {
            return -1;
        }
        return pairIndex(ipIndex, localPort);
    }

    private int pairIndex(final int ipIndex, final int port) {
        return ipIndex * portsPerIp + ordinal(port, coreCount) - firstOrdinal;
    }

    private static int handle(final int ipIndex, final int port) {
        return ipIndex << 16 | port;
    }

    private static String ipv4(final int ip) {
        return (ip >>> 24) + "." + (ip >>> 16 & 0xFF) + "." + (ip >>> 8 & 0xFF) + "." + (ip & 0xFF);
    }
}
