package io.fulcrum.forwarder.neighbour;

/**
 * The IPv4 neighbour (ARP) table of one forwarder agent: IPv4 address to MAC, port, state and expiry.
 *
 * <p>Fixed capacity (a power of two), open addressing with linear probing over parallel primitive arrays,
 * deletion by backward shift (no tombstones), so nothing is allocated after construction. It is filled
 * to at most 3/4 of its slots; beyond that new entries are refused and the caller counts it. Owned by one
 * agent thread; not thread-safe.
 *
 * <p>States:
 * <ul>
 *   <li>{@link #STATE_STATIC}: configured; never ages, never overwritten by learning.</li>
 *   <li>{@link #STATE_REACHABLE}: learned from ARP; usable until {@code learnedAt + reachableTimeMs},
 *       then {@link #lookup} reports it unresolved and {@link #expire} removes it.</li>
 *   <li>{@link #STATE_INCOMPLETE}: under resolution (an ARP request was sent); at most
 *       {@code maxPending} of them; removed when nobody asked again for {@code 3 * retryIntervalMs}.</li>
 * </ul>
 */
public final class NeighbourTable {
    /** Returned by {@link #lookup} when there is no usable MAC. */
    public static final long UNRESOLVED = -1L;

    public static final byte STATE_FREE = 0;
    public static final byte STATE_INCOMPLETE = 1;
    public static final byte STATE_REACHABLE = 2;
    public static final byte STATE_STATIC = 3;

    /** {@link #learn} results. */
    public static final int LEARN_CREATED = 0;
    public static final int LEARN_UPDATED = 1;
    public static final int LEARN_ABSENT = 2;
    public static final int LEARN_STATIC_KEPT = 3;
    public static final int LEARN_TABLE_FULL = 4;

    /** {@link #beginResolution} results. */
    public static final int RESOLVE_SEND_REQUEST = 0;
    public static final int RESOLVE_RATE_LIMITED = 1;
    public static final int RESOLVE_PENDING_FULL = 2;
    public static final int RESOLVE_TABLE_FULL = 3;

    private final int mask;
    private final int maxSize;
    private final int maxPending;
    private final long reachableTimeMs;
    private final long retryIntervalMs;
    private final long incompleteTimeoutMs;
    private final int[] addresses;
    private final long[] macs;
    private final int[] ports;
    private final byte[] states;
    private final long[] expiryMs;
    private final long[] lastRequestMs;
    private int size;
    private int pending;
    private int sweepCursor;

    /**
     * @param capacity        slot count, a power of two &gt;= 8.
     * @param maxPending      the most entries under resolution at once.
     * @param reachableTimeMs lifetime of a learned entry.
     * @param retryIntervalMs least time between two ARP requests for one address.
     */
    public NeighbourTable(final int capacity, final int maxPending, final long reachableTimeMs, final long retryIntervalMs) {
        if (capacity < 8 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two >= 8: " + capacity);
        }
        if (maxPending < 1 || reachableTimeMs <= 0 || retryIntervalMs <= 0) {
            throw new IllegalArgumentException("maxPending, reachableTimeMs and retryIntervalMs must be > 0");
        }
        this.mask = capacity - 1;
        this.maxSize = capacity - (capacity >>> 2);
        this.maxPending = maxPending;
        this.reachableTimeMs = reachableTimeMs;
        this.retryIntervalMs = retryIntervalMs;
        this.incompleteTimeoutMs = 3 * retryIntervalMs;
        this.addresses = new int[capacity];
        this.macs = new long[capacity];
        this.ports = new int[capacity];
        this.states = new byte[capacity];
        this.expiryMs = new long[capacity];
        this.lastRequestMs = new long[capacity];
    }

    public int capacity() {
        return mask + 1;
    }

    /** The most entries the table holds (3/4 of the capacity). */
    public int maxSize() {
        return maxSize;
    }

    public int size() {
        return size;
    }

    /** Entries under resolution. */
    public int pending() {
        return pending;
    }

    /** The usable MAC for {@code address} at {@code nowMs}, or {@link #UNRESOLVED}. */
    public long lookup(final int address, final long nowMs) {
        final int slot = find(address);
        if (slot < 0) {
            return UNRESOLVED;
        }
        final byte state = states[slot];
        if (state == STATE_STATIC || (state == STATE_REACHABLE && nowMs < expiryMs[slot])) {
            return macs[slot];
        }
        return UNRESOLVED;
    }

    /** The port of the entry for {@code address} (any state but free), or -1. */
    public int port(final int address) {
        final int slot = find(address);
        return slot < 0 ? -1 : ports[slot];
    }

    /** The state of the entry for {@code address}, {@link #STATE_FREE} if there is none. */
    public byte state(final int address) {
        final int slot = find(address);
        return slot < 0 ? STATE_FREE : states[slot];
    }

    /** Adds or replaces a static entry (configuration time). */
    public void addStatic(final int address, final long mac, final int port) {
        int slot = find(address);
        if (slot < 0) {
            if (size == maxSize) {
                throw new IllegalStateException("neighbour table full (" + maxSize + " entries)");
            }
            slot = insert(address);
        } else if (states[slot] == STATE_INCOMPLETE) {
            pending--;
        }
        macs[slot] = mac;
        ports[slot] = port;
        states[slot] = STATE_STATIC;
        expiryMs[slot] = Long.MAX_VALUE;
    }

    /**
     * Records that {@code address} is at {@code mac} behind {@code port} (from an ARP packet).
     *
     * @param create whether to create an entry if there is none (RFC 826: only when the packet was for us);
     *               existing entries are always refreshed.
     * @return one of the {@code LEARN_*} results.
     */
    public int learn(final int address, final long mac, final int port, final long nowMs, final boolean create) {
        int slot = find(address);
        if (slot >= 0) {
            final byte state = states[slot];
            if (state == STATE_STATIC) {
                return LEARN_STATIC_KEPT;
            }
            if (state == STATE_INCOMPLETE) {
                pending--;
            }
            store(slot, mac, port, nowMs);
            return LEARN_UPDATED;
        }
        if (!create) {
            return LEARN_ABSENT;
        }
        if (size == maxSize) {
            return LEARN_TABLE_FULL;
        }
        slot = insert(address);
        store(slot, mac, port, nowMs);
        return LEARN_CREATED;
    }

    /**
     * Notes that {@code address} is wanted and unresolved: creates an incomplete entry if needed and says
     * whether an ARP request should go out now (at most one per {@code retryIntervalMs} per address).
     *
     * @return one of the {@code RESOLVE_*} results.
     */
    public int beginResolution(final int address, final int port, final long nowMs) {
        int slot = find(address);
        if (slot >= 0) {
            final byte state = states[slot];
            if (state == STATE_INCOMPLETE) {
                if (nowMs - lastRequestMs[slot] < retryIntervalMs) {
                    return RESOLVE_RATE_LIMITED;
                }
                lastRequestMs[slot] = nowMs;
                expiryMs[slot] = nowMs + incompleteTimeoutMs;
                ports[slot] = port;
                return RESOLVE_SEND_REQUEST;
            }
            if (state == STATE_STATIC || nowMs < expiryMs[slot]) {
                // Still usable: the caller raced with a learn; nothing to send.
                return RESOLVE_RATE_LIMITED;
            }
            // An expired learned entry becomes incomplete again.
            if (pending == maxPending) {
                return RESOLVE_PENDING_FULL;
            }
        } else {
            if (pending == maxPending) {
                return RESOLVE_PENDING_FULL;
            }
            if (size == maxSize) {
                return RESOLVE_TABLE_FULL;
            }
            slot = insert(address);
        }
        pending++;
        states[slot] = STATE_INCOMPLETE;
        macs[slot] = 0;
        ports[slot] = port;
        lastRequestMs[slot] = nowMs;
        expiryMs[slot] = nowMs + incompleteTimeoutMs;
        return RESOLVE_SEND_REQUEST;
    }

    /**
     * Removes expired learned entries and abandoned incomplete ones, looking at no more than
     * {@code maxSlots} slots (plus the ones refilled by deletions) from where the last call stopped, so each
     * duty cycle does a bounded share.
     *
     * @return the number of entries removed.
     */
    public int expire(final long nowMs, final int maxSlots) {
        int removed = 0;
        int slot = sweepCursor;
        int scanned = 0;
        while (scanned < maxSlots) {
            final byte state = states[slot];
            if ((state == STATE_REACHABLE || state == STATE_INCOMPLETE) && nowMs >= expiryMs[slot]) {
                if (state == STATE_INCOMPLETE) {
                    pending--;
                }
                delete(slot);
                removed++;
                // Backward shift may have moved another entry into this slot: look at it again (bounded: each
                // deletion shrinks the table).
                continue;
            }
            slot = (slot + 1) & mask;
            scanned++;
        }
        sweepCursor = slot;
        return removed;
    }

    private void store(final int slot, final long mac, final int port, final long nowMs) {
        macs[slot] = mac;
        ports[slot] = port;
        states[slot] = STATE_REACHABLE;
        expiryMs[slot] = nowMs + reachableTimeMs;
    }

    private static int home(final int address, final int mask) {
        final int hash = address * 0x9E3779B9;
        return (hash ^ (hash >>> 16)) & mask;
    }

    private int find(final int address) {
        final byte[] states = this.states;
        final int[] addresses = this.addresses;
        final int mask = this.mask;
        int slot = home(address, mask);
        while (states[slot] != STATE_FREE) {
            if (addresses[slot] == address) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private int insert(final int address) {
        int slot = home(address, mask);
        while (states[slot] != STATE_FREE) {
            slot = (slot + 1) & mask;
        }
        addresses[slot] = address;
        size++;
        return slot;
    }

    private void delete(final int slot) {
        int hole = slot;
        int next = (hole + 1) & mask;
        while (states[next] != STATE_FREE) {
            final int home = home(addresses[next], mask);
            // Move next into the hole if its home is not cyclically within (hole, next].
            final boolean movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
            if (movable) {
                addresses[hole] = addresses[next];
                macs[hole] = macs[next];
                ports[hole] = ports[next];
                states[hole] = states[next];
                expiryMs[hole] = expiryMs[next];
                lastRequestMs[hole] = lastRequestMs[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        states[hole] = STATE_FREE;
        macs[hole] = 0;
        size--;
    }
}
