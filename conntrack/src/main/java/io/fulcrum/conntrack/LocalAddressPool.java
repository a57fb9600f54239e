package io.fulcrum.conntrack;

import java.util.Arrays;

/**
 * One core's share of the FULLNAT local addresses (LIP, local port) pairs. Single-threaded, O(1) and
 * allocation-free after construction.
 *
 * <p>Every core's pool holds the same local addresses but only the ports {@code p} with
 * {@code coreOfPort(p, coreCount) == coreId}, so the port alone says which core owns a flow: the packet steering
 * (XDP program, or with a power-of-two core count an {@code ethtool -N ... dst-port P m MASK} rule per core, as
 * DPVS does with Flow Director) sends backend replies, addressed to (local address, local port), to the core that
 * holds the flow. See {@link #coreOfPort}.
 *
 * <p>Free pairs wait in a FIFO ring, so a released pair is reused as late as possible; a pair is only returned
 * by {@link #release}, which the forwarder calls when the flow is removed (after TIME_WAIT), so a port whose old
 * connection may still be in TIME_WAIT on the backend is not handed out again before that.
 */
public final class LocalAddressPool {
    /** {@link #allocate()} found no free pair. */
    public static final int EXHAUSTED = -1;
    /** Most local addresses per pool. */
    public static final int MAX_LOCAL_IPS = 256;

    private final int[] localIps;
    private final int minPort;
    private final int maxPort;
    private final int coreCount;
    private final int coreId;
    private final int[] ring;
    private final int ringMask;
    private final long[] allocatedBits;
    private final int size;
    private long head;
    private long tail;

    private long allocations;
    private long exhaustedCount;
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
        int ports = 0;
        for (int p = minPort; p <= maxPort; p++) {
            if (coreOfPort(p, coreCount) == coreId) {
                ports++;
            }
        }
        if (ports == 0) {
            throw new IllegalArgumentException("local port range " + minPort + ".." + maxPort + " has no port for core "
                + coreId + " of " + coreCount);
        }
        this.size = ports * this.localIps.length;
        this.ring = new int[Integer.highestOneBit(size - 1 == 0 ? 1 : size - 1) << 1];
        this.ringMask = ring.length - 1;
        this.allocatedBits = new long[this.localIps.length * 1024];
        // Interleave addresses so consecutive connections spread over them.
        for (int p = minPort; p <= maxPort; p++) {
            if (coreOfPort(p, coreCount) == coreId) {
                for (int ip = 0; ip < this.localIps.length; ip++) {
                    ring[(int) (tail++ & ringMask)] = handle(ip, p);
                }
            }
        }
    }

    /**
     * The core that owns a local port: the function the packet steering applies to the destination port of
     * backend replies.
     *
     * @param localPort the port, 0–65535.
     * @param coreCount number of forwarder cores.
     * @return {@code localPort % coreCount} (with a power-of-two count, {@code localPort & (coreCount - 1)}).
     */
    public static int coreOfPort(final int localPort, final int coreCount) {
        return localPort % coreCount;
    }

    /**
     * Takes the least recently released free pair.
     *
     * @return a handle (decode with {@link #ip(int)} and {@link #port(int)}) or {@link #EXHAUSTED}, counted.
     */
    public int allocate() {
        if (head == tail) {
            exhaustedCount++;
            return EXHAUSTED;
        }
        final int handle = ring[(int) (head++ & ringMask)];
        final int bit = bitIndex(handle >>> 16, handle & 0xFFFF);
        allocatedBits[bit >>> 6] |= 1L << bit;
        allocations++;
        return handle;
    }

    /**
     * Local address of a handle.
     *
     * @param handle from {@link #allocate()}.
     * @return the address.
     */
    public int ip(final int handle) {
        return localIps[handle >>> 16];
    }

    /**
     * Local port of a handle.
     *
     * @param handle from {@link #allocate()}.
     * @return the port.
     */
    public static int port(final int handle) {
        return handle & 0xFFFF;
    }

    /**
     * Returns a pair to the pool (the flow using it has been removed).
     *
     * @param localIp the local address.
     * @param localPort the local port.
     * @return false, counted, if the pair is not this pool's or is not allocated (double release).
     */
    public boolean release(final int localIp, final int localPort) {
        final int ip = Arrays.binarySearch(localIps, localIp);
        if (ip < 0 || localPort < minPort || localPort > maxPort || coreOfPort(localPort, coreCount) != coreId) {
            invalidReleases++;
            return false;
        }
        final int bit = bitIndex(ip, localPort);
        final long mask = 1L << bit;
        if ((allocatedBits[bit >>> 6] & mask) == 0) {
            invalidReleases++;
            return false;
        }
        allocatedBits[bit >>> 6] &= ~mask;
        ring[(int) (tail++ & ringMask)] = handle(ip, localPort);
        releases++;
        return true;
    }

    /**
     * Whether a pair is currently handed out.
     *
     * @param localIp the local address.
     * @param localPort the local port.
     * @return true if allocated and not yet released.
     */
    public boolean isAllocated(final int localIp, final int localPort) {
        final int ip = Arrays.binarySearch(localIps, localIp);
        if (ip < 0 || localPort < 0 || localPort > 65535) {
            return false;
        }
        final int bit = bitIndex(ip, localPort);
        return (allocatedBits[bit >>> 6] & (1L << bit)) != 0;
    }

    /** @return pairs this core owns. */
    public int size() {
        return size;
    }

    /** @return free pairs. */
    public int available() {
        return (int) (tail - head);
    }

    /** @return successful allocations since creation. */
    public long allocations() {
        return allocations;
    }

    /** @return allocations refused because no pair was free. */
    public long exhaustedCount() {
        return exhaustedCount;
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

    private static int handle(final int ipIndex, final int port) {
        return ipIndex << 16 | port;
    }

    private static int bitIndex(final int ipIndex, final int port) {
        return ipIndex << 16 | port;
    }

    private static String ipv4(final int ip) {
        return (ip >>> 24) + "." + (ip >>> 16 & 0xFF) + "." + (ip >>> 8 & 0xFF) + "." + (ip & 0xFF);
    }
}
