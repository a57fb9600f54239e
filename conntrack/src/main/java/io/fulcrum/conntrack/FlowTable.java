package io.fulcrum.conntrack;

import static io.fulcrum.conntrack.FlowDescriptor.BACKEND_ID_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.BYTES_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.CREATED_MS_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.ENTRY_BYTES;
import static io.fulcrum.conntrack.FlowDescriptor.FLAGS_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.FLAG_IN_USE;
import static io.fulcrum.conntrack.FlowDescriptor.FLAG_RESET_ON_IDLE;
import static io.fulcrum.conntrack.FlowDescriptor.FLAG_SEEN_REPLY;
import static io.fulcrum.conntrack.FlowDescriptor.INDEX_SLOTS_PER_FLOW;
import static io.fulcrum.conntrack.FlowDescriptor.INDEX_SLOT_BYTES;
import static io.fulcrum.conntrack.FlowDescriptor.LISTENER_ID_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.NAT_MODE_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.ORIG_DST_IP_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.ORIG_NEXT_SEQ_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.ORIG_PORTS_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.ORIG_SRC_IP_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.PACKETS_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.PROTO_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.REPLY_DST_IP_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.REPLY_NEXT_SEQ_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.REPLY_PORTS_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.REPLY_SRC_IP_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.SEQ_DELTA_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.TS_DELTA_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.SLOT_REF_MASK;
import static io.fulcrum.conntrack.FlowDescriptor.SLOT_TAG_SHIFT;
import static io.fulcrum.conntrack.FlowDescriptor.TCP_STATE_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.TOA_ACK_SEQ_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.WHEEL_NEXT_OFFSET;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Per-core IPv4 connection-tracking table: single writer, no locks, no allocation after construction.
 *
 * <p>Flows live in a preallocated slab of fixed 96-byte entries ({@link FlowDescriptor}); an open-addressing
 * index of 4-byte slots (linear probing, 4 slots per flow of capacity so the load factor never exceeds 0.5)
 * finds each flow from both directions: the original tuple (client → VIP:vport) and the reply tuple
 * (backend → local address:port for FULLNAT, backend → client for DNAT). Deletion shifts later slots of the
 * probe run back (backward-shift deletion), so there are no tombstones and churn never lengthens probes.
 * Each live flow sits on the {@link TimerWheel}; traffic only rewrites its deadline ({@link #refresh}).
 *
 * <p>Per packet:
 * <pre>
 *   int match = table.lookup(srcIp, dstIp, srcPort, dstPort, proto);
 *   if (match &lt; 0) { ... schedule a backend, pool.allocate(), table.insert(...) ... }
 *   int flow = FlowTable.flowIndex(match), direction = FlowTable.direction(match);
 *   table.onTcpPacket(flow, direction, tcpFlags, frameBytes, nowMs, profile);
 *   FlowFlyweight f = table.flow(flow);   // rewrite using f.backendIp(), f.replyDstIp(), ...
 * </pre>
 * and once per duty cycle {@code table.expire(nowMs, budget, handler)}.
 *
 * <p>Addresses are IPv4 as {@code int} (whatever byte order the caller uses, consistently); ports are 0–65535;
 * proto is the IP protocol number. An IPv6 variant would use the same index and wheel with 160-byte entries
 * (four 16-byte addresses); see docs/conntrack.md.
 */
public final class FlowTable implements AutoCloseable {
    /** {@link #lookup} found nothing. */
    public static final int NOT_FOUND = -1;
    /** {@link #insert}: the table is full; the new flow is refused and counted. */
    public static final int INSERT_FULL = -1;
    /** {@link #insert}: one of the two tuples already belongs to a flow; refused and counted. */
    public static final int INSERT_DUPLICATE = -2;
    /** Match direction: the packet travels client → VIP. */
    public static final int DIRECTION_ORIGINAL = 0;
    /** Match direction: the packet travels backend → LB. */
    public static final int DIRECTION_REPLY = 1;
    /** Largest capacity: 2^25 flows (3.5 GiB), bounded by the 27-bit slot reference. */
    public static final int MAX_CAPACITY = 1 << 25;
    /** Default timer-wheel tick. */
    public static final int DEFAULT_WHEEL_TICK_MS = 64;
    /** Default timer-wheel slots: 65536 x 64 ms = 4194 s, one lap covers the longest timeout (4000 s). */
    public static final int DEFAULT_WHEEL_SLOTS = 1 << 16;

    private static final int TCP = 6;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    private final Arena arena;
    private final MemorySegment entries;
    private final MemorySegment index;
    private final int capacity;
    private final int indexMask;
    private final long hashSeed;
    private final TimerWheel wheel;
    private final FlowFlyweight flyweight;
    private final FlowFlyweight expiryFlyweight;
    private final TimerWheel.Handler wheelHandler = this::onTimerExpired;

    private int freeHead = TimerWheel.NULL_INDEX;
    private int expiredFlowIndex = TimerWheel.NULL_INDEX;
    private int lastProbes;
    private int highWater;
    private FlowExpiryHandler expiryHandler;

    private int activeFlows;
    private long flowsCreated;
    private long flowsRemoved;
    private long flowsExpired;
    private long expiredWithReset;
    private long tableFullDrops;
    private long duplicateInserts;
    private long lookups;
    private long lookupMisses;
    private long lookupProbes;

    /**
     * Creates a table with the default timer wheel (64 ms ticks, 65536 slots).
     *
     * @param capacity maximum flows, a power of two up to {@link #MAX_CAPACITY}.
     * @param hashSeed seed of the tuple hash (use a random value per table against hash flooding).
     * @param nowMs the agent clock now.
     */
    public FlowTable(final int capacity, final long hashSeed, final long nowMs) {
        this(capacity, DEFAULT_WHEEL_TICK_MS, DEFAULT_WHEEL_SLOTS, hashSeed, nowMs);
    }

    /**
     * Creates a table. Allocates {@code capacity * 112} bytes off-heap, zeroed.
     *
     * @param capacity maximum flows, a power of two up to {@link #MAX_CAPACITY}.
     * @param wheelTickMs timer-wheel tick, a power of two.
     * @param wheelSlots timer-wheel slots, a power of two.
     * @param hashSeed seed of the tuple hash.
     * @param nowMs the agent clock now.
     */
    public FlowTable(final int capacity, final int wheelTickMs, final int wheelSlots, final long hashSeed,
        final long nowMs) {
        this(capacity, wheelTickMs, wheelSlots, hashSeed, nowMs, null);
    }

    /**
     * Creates a table whose entry slab is a shared mapping of {@code entriesFile} (created or truncated to
     * {@code capacity * 96} bytes), so another process (the {@code fulcrum conns} command) can map it read-only
     * and list the flows; the index stays in anonymous memory. Put the file on tmpfs ({@code /dev/shm}).
     *
     * @param capacity maximum flows, a power of two up to {@link #MAX_CAPACITY}.
     * @param hashSeed seed of the tuple hash.
     * @param nowMs the agent clock now.
     * @param entriesFile where to map the entries, or null for anonymous memory.
     * @throws java.io.UncheckedIOException if the file cannot be created or mapped.
     */
    public FlowTable(final int capacity, final long hashSeed, final long nowMs, final java.nio.file.Path entriesFile) {
        this(capacity, DEFAULT_WHEEL_TICK_MS, DEFAULT_WHEEL_SLOTS, hashSeed, nowMs, entriesFile);
    }

    private FlowTable(final int capacity, final int wheelTickMs, final int wheelSlots, final long hashSeed,
        final long nowMs, final java.nio.file.Path entriesFile) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("flow table capacity must be a power of two in 1.." + MAX_CAPACITY
                + ", was " + capacity);
        }
        this.capacity = capacity;
        final long indexSlots = (long) capacity * INDEX_SLOTS_PER_FLOW;
        this.indexMask = (int) (indexSlots - 1);
        this.hashSeed = hashSeed;
        this.arena = Arena.ofShared();
        this.entries = entriesFile == null ? arena.allocate((long) capacity * ENTRY_BYTES, 64)
            : mapEntries(entriesFile, (long) capacity * ENTRY_BYTES, arena);
        this.index = arena.allocate(indexSlots * INDEX_SLOT_BYTES, 64);
        this.wheel = new TimerWheel(entries, ENTRY_BYTES, WHEEL_NEXT_OFFSET, wheelTickMs, wheelSlots, nowMs);
        this.flyweight = new FlowFlyweight(entries, capacity);
        this.expiryFlyweight = new FlowFlyweight(entries, capacity);
    }

    private static MemorySegment mapEntries(final java.nio.file.Path file, final long bytes, final Arena arena) {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.READ,
            java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.truncate(0);
            // A sparse file: pages are only backed once flows are written into them.
            channel.write(java.nio.ByteBuffer.wrap(new byte[1]), bytes - 1);
            return channel.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
        } catch (final java.io.IOException e) {
            arena.close();
            throw new java.io.UncheckedIOException("cannot map the flow table file " + file, e);
        }
    }

    /**
     * Match value → flow index.
     *
     * @param match a non-negative result of {@link #lookup}.
     * @return the flow index.
     */
    public static int flowIndex(final int match) {
        return match >>> 1;
    }

    /**
     * Match value → direction.
     *
     * @param match a non-negative result of {@link #lookup}.
     * @return {@link #DIRECTION_ORIGINAL} or {@link #DIRECTION_REPLY}.
     */
    public static int direction(final int match) {
        return match & 1;
    }

    /**
     * Finds the flow a packet belongs to, in either direction.
     *
     * @param srcIp packet source address.
     * @param dstIp packet destination address.
     * @param srcPort packet source port (ICMP: identifier).
     * @param dstPort packet destination port.
     * @param proto IP protocol.
     * @return {@code flowIndex << 1 | direction} (decode with {@link #flowIndex} and {@link #direction}), or
     *     {@link #NOT_FOUND}.
     */
    public int lookup(final int srcIp, final int dstIp, final int srcPort, final int dstPort, final int proto) {
        lookups++;
        final int ports = ports(srcPort, dstPort);
        final int match = find(hash(srcIp, dstIp, ports, proto), srcIp, dstIp, ports, proto);
        lookupProbes += lastProbes;
        if (match < 0) {
            lookupMisses++;
        }
        return match;
    }

    /**
     * Like {@link #lookup} but not counted in the lookup statistics: for the control-path questions the forwarder
     * asks of its own table (is this FULLNAT reply tuple taken?), which are not packets.
     *
     * @param srcIp source address of the tuple.
     * @param dstIp destination address.
     * @param srcPort source port.
     * @param dstPort destination port.
     * @param proto IP protocol.
     * @return as {@link #lookup}.
     */
    public int peek(final int srcIp, final int dstIp, final int srcPort, final int dstPort, final int proto) {
        final int ports = ports(srcPort, dstPort);
        return find(hash(srcIp, dstIp, ports, proto), srcIp, dstIp, ports, proto);
    }

    /**
     * Creates a flow in state {@link TcpState#NONE} with no listener, backend or flags set; set them through
     * {@link #flow(int)}. Refused if either tuple already has a flow or the table is full.
     *
     * @param clientIp client address (original source).
     * @param vip listener address (original destination).
     * @param clientPort client port.
     * @param vport listener port.
     * @param proto IP protocol.
     * @param backendIp backend address (reply source).
     * @param replyDstIp local address (FULLNAT) or client address (DNAT).
     * @param backendPort backend port.
     * @param replyDstPort local port (FULLNAT) or client port (DNAT).
     * @param natMode {@link FlowDescriptor#NAT_FULLNAT} or {@link FlowDescriptor#NAT_DNAT}.
     * @param nowMs the agent clock.
     * @param timeoutMs idle timeout of the initial state.
     * @return the flow index, {@link #INSERT_FULL} or {@link #INSERT_DUPLICATE}.
     */
    public int insert(final int clientIp, final int vip, final int clientPort, final int vport, final int proto,
        final int backendIp, final int replyDstIp, final int backendPort, final int replyDstPort, final int natMode,
        final long nowMs, final long timeoutMs) {
        final int origPorts = ports(clientPort, vport);
        final int replyPorts = ports(backendPort, replyDstPort);
        final int origHash = hash(clientIp, vip, origPorts, proto);
        final int replyHash = hash(backendIp, replyDstIp, replyPorts, proto);
        if ((clientIp == backendIp && vip == replyDstIp && origPorts == replyPorts)
            || find(origHash, clientIp, vip, origPorts, proto) >= 0
            || find(replyHash, backendIp, replyDstIp, replyPorts, proto) >= 0) {
            duplicateInserts++;
            return INSERT_DUPLICATE;
        }
        final int flow = allocateEntry();
        if (flow < 0) {
            tableFullDrops++;
            return INSERT_FULL;
        }
        final MemorySegment e = entries;
        final long base = (long) flow * ENTRY_BYTES;
        e.set(INT, base + ORIG_SRC_IP_OFFSET, clientIp);
        e.set(INT, base + ORIG_DST_IP_OFFSET, vip);
        e.set(INT, base + REPLY_SRC_IP_OFFSET, backendIp);
        e.set(INT, base + REPLY_DST_IP_OFFSET, replyDstIp);
        e.set(INT, base + ORIG_PORTS_OFFSET, origPorts);
        e.set(INT, base + REPLY_PORTS_OFFSET, replyPorts);
        e.set(BYTE, base + PROTO_OFFSET, (byte) proto);
        e.set(BYTE, base + NAT_MODE_OFFSET, (byte) natMode);
        e.set(BYTE, base + TCP_STATE_OFFSET, (byte) TcpState.NONE);
        e.set(BYTE, base + FLAGS_OFFSET, (byte) FLAG_IN_USE);
        e.set(INT, base + LISTENER_ID_OFFSET, 0);
        e.set(INT, base + BACKEND_ID_OFFSET, 0);
        e.set(INT, base + SEQ_DELTA_OFFSET, 0);
        e.set(INT, base + TS_DELTA_OFFSET, 0);
        e.set(INT, base + TOA_ACK_SEQ_OFFSET, 0);
        e.set(INT, base + ORIG_NEXT_SEQ_OFFSET, 0);
        e.set(INT, base + REPLY_NEXT_SEQ_OFFSET, 0);
        e.set(LONG, base + CREATED_MS_OFFSET, nowMs);
        e.set(LONG, base + PACKETS_OFFSET, 0L);
        e.set(LONG, base + BYTES_OFFSET, 0L);
        placeSlot(origHash, flow << 1);
        placeSlot(replyHash, (flow << 1) | DIRECTION_REPLY);
        wheel.schedule(flow, nowMs + timeoutMs);
        activeFlows++;
        flowsCreated++;
        return flow;
    }

    /**
     * Removes a flow: both index slots (backward shift), its timer, its entry back to the free list.
     *
     * @param flowIndex the flow.
     * @return false if the entry held no live flow (already removed).
     */
    public boolean remove(final int flowIndex) {
        final boolean expiring = flowIndex == expiredFlowIndex;
        if (!release(flowIndex)) {
            return false;
        }
        if (!expiring) {
            flowsRemoved++;
        }
        return true;
    }

    /**
     * The table's own flyweight, wrapped at a flow. One per table: wrapping again re-points it.
     *
     * @param flowIndex the flow.
     * @return the flyweight.
     */
    public FlowFlyweight flow(final int flowIndex) {
        return flyweight.wrap(flowIndex);
    }

    /**
     * A new flyweight over this table (allocates; call at set-up).
     *
     * @return an unwrapped flyweight.
     */
    public FlowFlyweight newFlyweight() {
        return new FlowFlyweight(entries, capacity);
    }

    /**
     * Moves a flow's idle deadline to {@code nowMs + timeoutMs}. Per packet this only writes the deadline; the
     * timer is relinked only when the deadline moves earlier than its slot.
     *
     * @param flowIndex the flow.
     * @param nowMs the agent clock.
     * @param timeoutMs idle timeout.
     */
    public void refresh(final int flowIndex, final long nowMs, final long timeoutMs) {
        wheel.refresh(flowIndex, nowMs + timeoutMs);
    }

    /**
     * Per TCP segment: LVS state transition, deadline from the listener's profile, packet counters.
     *
     * @param flowIndex the flow.
     * @param direction {@link #DIRECTION_ORIGINAL} or {@link #DIRECTION_REPLY} (from the lookup match).
     * @param tcpFlags the TCP header flags byte.
     * @param frameBytes packet length for the counters.
     * @param nowMs the agent clock.
     * @param profile the listener's timeouts.
     * @return the new TCP state.
     */
    public int onTcpPacket(final int flowIndex, final int direction, final int tcpFlags, final int frameBytes,
        final long nowMs, final TimeoutProfile profile) {
        final MemorySegment e = entries;
        final long base = (long) flowIndex * ENTRY_BYTES;
        final int state = TcpStateMachine.next(e.get(BYTE, base + TCP_STATE_OFFSET), direction, tcpFlags);
        e.set(BYTE, base + TCP_STATE_OFFSET, (byte) state);
        if (direction == DIRECTION_REPLY) {
            e.set(BYTE, base + FLAGS_OFFSET, (byte) (e.get(BYTE, base + FLAGS_OFFSET) | FLAG_SEEN_REPLY));
        }
        count(e, base, frameBytes);
        wheel.refresh(flowIndex, nowMs + profile.tcpTimeoutMs(state));
        return state;
    }

    /**
     * Per UDP or ICMP packet: deadline and counters.
     *
     * @param flowIndex the flow.
     * @param direction {@link #DIRECTION_ORIGINAL} or {@link #DIRECTION_REPLY}.
     * @param frameBytes packet length for the counters.
     * @param nowMs the agent clock.
     * @param timeoutMs the session timeout (e.g. {@link TimeoutProfile#udpTimeoutMs()}).
     */
    public void onPacket(final int flowIndex, final int direction, final int frameBytes, final long nowMs,
        final long timeoutMs) {
        final MemorySegment e = entries;
        final long base = (long) flowIndex * ENTRY_BYTES;
        if (direction == DIRECTION_REPLY) {
            e.set(BYTE, base + FLAGS_OFFSET, (byte) (e.get(BYTE, base + FLAGS_OFFSET) | FLAG_SEEN_REPLY));
        }
        count(e, base, frameBytes);
        wheel.refresh(flowIndex, nowMs + timeoutMs);
    }

    /**
     * Expires flows whose deadline has passed, examining at most {@code maxWork} timer entries; the rest wait for
     * the next call. Each expired flow is handed to {@code handler} and then removed.
     *
     * @param nowMs the duty cycle's clock.
     * @param maxWork most timer entries to examine.
     * @param handler receives expired flows (send RSTs, release the local port).
     * @return timer entries examined, for the agent's work count.
     */
    public int expire(final long nowMs, final int maxWork, final FlowExpiryHandler handler) {
        expiryHandler = handler;
        try {
            return wheel.poll(nowMs, maxWork, wheelHandler);
        } finally {
            expiryHandler = null;
        }
    }

    private void onTimerExpired(final int flow, final long nowMs) {
        final FlowFlyweight f = expiryFlyweight.wrap(flow);
        final int flags = f.flags();
        final boolean reset = f.proto() == TCP && f.tcpState() == TcpState.ESTABLISHED
            && (flags & FLAG_RESET_ON_IDLE) != 0;
        flowsExpired++;
        if (reset) {
            expiredWithReset++;
        }
        // The wheel already unlinked it; mark it so release() does not cancel it twice.
        expiredFlowIndex = flow;
        try {
            expiryHandler.onFlowExpired(f, reset, nowMs);
        } finally {
            expiredFlowIndex = TimerWheel.NULL_INDEX;
        }
        if ((entries.get(BYTE, (long) flow * ENTRY_BYTES + FLAGS_OFFSET) & FLAG_IN_USE) != 0) {
            releaseUnlinked(flow);
        }
    }

    /** @return flows currently in the table. */
    public int activeFlows() {
        return activeFlows;
    }

    /** @return flows inserted since creation. */
    public long flowsCreated() {
        return flowsCreated;
    }

    /** @return flows removed by {@link #remove} (not by expiry). */
    public long flowsRemoved() {
        return flowsRemoved;
    }

    /** @return flows removed by idle expiry. */
    public long flowsExpired() {
        return flowsExpired;
    }

    /** @return expired flows for which RST to both sides was requested. */
    public long expiredWithReset() {
        return expiredWithReset;
    }

    /** @return new flows refused because the table was full. */
    public long tableFullDrops() {
        return tableFullDrops;
    }

    /** @return inserts refused because a tuple was already tracked. */
    public long duplicateInserts() {
        return duplicateInserts;
    }

    /** @return lookups since creation. */
    public long lookups() {
        return lookups;
    }

    /** @return lookups that found nothing. */
    public long lookupMisses() {
        return lookupMisses;
    }

    /** @return index slots examined by lookups (divide by {@link #lookups()} for the mean probe length). */
    public long lookupProbes() {
        return lookupProbes;
    }

    /** @return maximum flows. */
    public int capacity() {
        return capacity;
    }

    /** @return slots in the hash index. */
    public long indexSlots() {
        return index.byteSize() / INDEX_SLOT_BYTES;
    }

    /** @return off-heap bytes allocated: entry slab plus index. */
    public long allocatedBytes() {
        return entries.byteSize() + index.byteSize();
    }

    /** @return the table's timer wheel (for its counters; flows are scheduled by the table). */
    public TimerWheel timerWheel() {
        return wheel;
    }

    /** Frees the off-heap memory. The table must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }

    /**
     * Occupied index slots, by scanning the whole index (tests and diagnostics only, O(capacity)).
     *
     * @return occupied slots; always {@code 2 * activeFlows()} since deletion leaves no tombstones.
     */
    long occupiedIndexSlots() {
        long occupied = 0;
        for (long i = 0, n = indexSlots(); i < n; i++) {
            if (index.getAtIndex(INT, i) != 0) {
                occupied++;
            }
        }
        return occupied;
    }

    private boolean release(final int flow) {
        if (flow < 0 || flow >= capacity) {
            throw new IndexOutOfBoundsException("flow index " + flow + " outside 0.." + (capacity - 1));
        }
        if ((entries.get(BYTE, (long) flow * ENTRY_BYTES + FLAGS_OFFSET) & FLAG_IN_USE) == 0) {
            return false;
        }
        if (flow != expiredFlowIndex) {
            wheel.cancel(flow);
        }
        releaseUnlinked(flow);
        return true;
    }

    private void releaseUnlinked(final int flow) {
        final MemorySegment e = entries;
        final long base = (long) flow * ENTRY_BYTES;
        deleteSlot(flow << 1, base);
        deleteSlot((flow << 1) | DIRECTION_REPLY, base);
        e.set(BYTE, base + FLAGS_OFFSET, (byte) 0);
        e.set(INT, base + WHEEL_NEXT_OFFSET, freeHead);
        freeHead = flow;
        activeFlows--;
    }

    private int allocateEntry() {
        final int head = freeHead;
        if (head != TimerWheel.NULL_INDEX) {
            freeHead = entries.get(INT, (long) head * ENTRY_BYTES + WHEEL_NEXT_OFFSET);
            return head;
        }
        if (highWater < capacity) {
            return highWater++;
        }
        return -1;
    }

    private int find(final int hash, final int srcIp, final int dstIp, final int ports, final int proto) {
        final MemorySegment idx = index;
        final MemorySegment e = entries;
        final int mask = indexMask;
        final int tag = hash >>> SLOT_TAG_SHIFT;
        int pos = hash & mask;
        int probes = 0;
        while (true) {
            probes++;
            final int slot = idx.getAtIndex(INT, pos);
            if (slot == 0) {
                lastProbes = probes;
                return NOT_FOUND;
            }
            if ((slot >>> SLOT_TAG_SHIFT) == tag) {
                final int ref = (slot & SLOT_REF_MASK) - 1;
                final long base = (long) (ref >>> 1) * ENTRY_BYTES;
                final int direction = ref & 1;
                final long ipOffset = base + (direction << 3);
                if (e.get(INT, ipOffset) == srcIp
                    && e.get(INT, ipOffset + 4) == dstIp
                    && e.get(INT, base + ORIG_PORTS_OFFSET + (direction << 2)) == ports
                    && e.get(BYTE, base + PROTO_OFFSET) == (byte) proto) {
                    lastProbes = probes;
                    return ref;
                }
            }
            pos = (pos + 1) & mask;
        }
    }

    private void placeSlot(final int hash, final int ref) {
        final MemorySegment idx = index;
        final int mask = indexMask;
        int pos = hash & mask;
        while (idx.getAtIndex(INT, pos) != 0) {
            pos = (pos + 1) & mask;
        }
        idx.setAtIndex(INT, pos, slotValue(hash, ref));
    }

    /** Removes the slot holding {@code ref} and shifts the rest of its probe run back (no tombstones). */
    private void deleteSlot(final int ref, final long base) {
        final MemorySegment idx = index;
        final int mask = indexMask;
        final int hash = tupleHash(base, ref & 1);
        final int value = slotValue(hash, ref);
        int hole = hash & mask;
        while (idx.getAtIndex(INT, hole) != value) {
            hole = (hole + 1) & mask;
        }
        int pos = hole;
        while (true) {
            pos = (pos + 1) & mask;
            final int slot = idx.getAtIndex(INT, pos);
            if (slot == 0) {
                break;
            }
            final int slotRef = (slot & SLOT_REF_MASK) - 1;
            final int home = tupleHash((long) (slotRef >>> 1) * ENTRY_BYTES, slotRef & 1) & mask;
            // Move the slot into the hole unless its home lies cyclically in (hole, pos].
            if (((pos - home) & mask) >= ((pos - hole) & mask)) {
                idx.setAtIndex(INT, hole, slot);
                hole = pos;
            }
        }
        idx.setAtIndex(INT, hole, 0);
    }

    private int tupleHash(final long base, final int direction) {
        final MemorySegment e = entries;
        final long ipOffset = base + (direction << 3);
        return hash(e.get(INT, ipOffset), e.get(INT, ipOffset + 4),
            e.get(INT, base + ORIG_PORTS_OFFSET + (direction << 2)), e.get(BYTE, base + PROTO_OFFSET) & 0xFF);
    }

    private static void count(final MemorySegment e, final long base, final int frameBytes) {
        e.set(LONG, base + PACKETS_OFFSET, e.get(LONG, base + PACKETS_OFFSET) + 1);
        e.set(LONG, base + BYTES_OFFSET, e.get(LONG, base + BYTES_OFFSET) + frameBytes);
    }

    private static int slotValue(final int hash, final int ref) {
        return (hash >>> SLOT_TAG_SHIFT) << SLOT_TAG_SHIFT | (ref + 1);
    }

    private static int ports(final int srcPort, final int dstPort) {
        return (srcPort & 0xFFFF) << 16 | (dstPort & 0xFFFF);
    }

    private int hash(final int srcIp, final int dstIp, final int ports, final int proto) {
        // Two 64-bit lanes, then murmur3's fmix64: every input bit reaches the low (position) and top (tag) bits.
        long h = (((long) srcIp << 32) | (dstIp & 0xFFFFFFFFL)) * 0x9E3779B97F4A7C15L;
        h ^= ((((long) ports << 8) | (proto & 0xFF)) + hashSeed) * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (int) h;
    }
}
