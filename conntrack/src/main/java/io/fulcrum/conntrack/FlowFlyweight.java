package io.fulcrum.conntrack;

import static io.fulcrum.conntrack.FlowDescriptor.BACKEND_ID_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.BYTES_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.CREATED_MS_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.DEADLINE_MS_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.ENTRY_BYTES;
import static io.fulcrum.conntrack.FlowDescriptor.FLAGS_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.FLAG_BACKEND_COUNTED;
import static io.fulcrum.conntrack.FlowDescriptor.FLAG_DRAINING;
import static io.fulcrum.conntrack.FlowDescriptor.FLAG_IN_USE;
import static io.fulcrum.conntrack.FlowDescriptor.FLAG_LISTENER_COUNTED;
import static io.fulcrum.conntrack.FlowDescriptor.FLAG_RESET_ON_IDLE;
import static io.fulcrum.conntrack.FlowDescriptor.FLAG_SEEN_REPLY;
import static io.fulcrum.conntrack.FlowDescriptor.FLAG_TOA_PENDING;
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
import static io.fulcrum.conntrack.FlowDescriptor.TCP_STATE_OFFSET;
import static io.fulcrum.conntrack.FlowDescriptor.TOA_ACK_SEQ_OFFSET;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reusable view of one flow entry of a {@link FlowTable} (layout in {@link FlowDescriptor}). Obtain one with
 * {@link FlowTable#flow(int)} (the table's own) or {@link FlowTable#newFlyweight()}, then {@link #wrap(int)}.
 * Not thread-safe, like the table. The deadline is read-only here: change it through {@link FlowTable#refresh}
 * so the timer wheel stays correct.
 */
public final class FlowFlyweight {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    private final MemorySegment entries;
    private final int capacity;
    private long base;
    private int index = -1;

    FlowFlyweight(final MemorySegment entries, final int capacity) {
        this.entries = entries;
        this.capacity = capacity;
    }

    /**
     * Points this view at a flow.
     *
     * @param flowIndex index returned by {@link FlowTable#insert} or {@link FlowTable#flowIndex(int)}.
     * @return this.
     * @throws IndexOutOfBoundsException if the index is outside the table.
     */
    public FlowFlyweight wrap(final int flowIndex) {
        if (flowIndex < 0 || flowIndex >= capacity) {
            throw new IndexOutOfBoundsException("flow index " + flowIndex + " outside 0.." + (capacity - 1));
        }
        this.index = flowIndex;
        this.base = (long) flowIndex * ENTRY_BYTES;
        return this;
    }

    /** @return the wrapped flow index. */
    public int index() {
        return index;
    }

    /** @return true if the wrapped entry holds a live flow. */
    public boolean inUse() {
        return (flags() & FLAG_IN_USE) != 0;
    }

    /** @return client address (original source). */
    public int clientIp() {
        return entries.get(INT, base + ORIG_SRC_IP_OFFSET);
    }

    /** @return VIP (original destination). */
    public int vip() {
        return entries.get(INT, base + ORIG_DST_IP_OFFSET);
    }

    /** @return client port. */
    public int clientPort() {
        return entries.get(INT, base + ORIG_PORTS_OFFSET) >>> 16;
    }

    /** @return virtual (listener) port. */
    public int vport() {
        return entries.get(INT, base + ORIG_PORTS_OFFSET) & 0xFFFF;
    }

    /** @return backend address (reply source). */
    public int backendIp() {
        return entries.get(INT, base + REPLY_SRC_IP_OFFSET);
    }

    /** @return backend port. */
    public int backendPort() {
        return entries.get(INT, base + REPLY_PORTS_OFFSET) >>> 16;
    }

    /** @return reply destination address: the local address for FULLNAT, the client address for DNAT. */
    public int replyDstIp() {
        return entries.get(INT, base + REPLY_DST_IP_OFFSET);
    }

    /** @return reply destination port: the local port for FULLNAT, the client port for DNAT. */
    public int replyDstPort() {
        return entries.get(INT, base + REPLY_PORTS_OFFSET) & 0xFFFF;
    }

    /** @return IP protocol number. */
    public int proto() {
        return entries.get(BYTE, base + PROTO_OFFSET) & 0xFF;
    }

    /** @return {@link FlowDescriptor#NAT_FULLNAT} or {@link FlowDescriptor#NAT_DNAT}. */
    public int natMode() {
        return entries.get(BYTE, base + NAT_MODE_OFFSET);
    }

    /** @return the TCP state, one of {@link TcpState}. */
    public int tcpState() {
        return entries.get(BYTE, base + TCP_STATE_OFFSET);
    }

    /**
     * Sets the TCP state without touching the deadline (prefer {@link FlowTable#onTcpPacket}).
     *
     * @param state one of {@link TcpState}.
     * @return this.
     */
    public FlowFlyweight tcpState(final int state) {
        entries.set(BYTE, base + TCP_STATE_OFFSET, (byte) state);
        return this;
    }

    /** @return the flag bits, {@code FlowDescriptor.FLAG_*}. */
    public int flags() {
        return entries.get(BYTE, base + FLAGS_OFFSET) & 0xFF;
    }

    private void flag(final int bit, final boolean on) {
        final int flags = flags();
        entries.set(BYTE, base + FLAGS_OFFSET, (byte) (on ? flags | bit : flags & ~bit));
    }

    /** @return true while TOA still has to be inserted into client segments. */
    public boolean toaPending() {
        return (flags() & FLAG_TOA_PENDING) != 0;
    }

    /**
     * Sets whether TOA has to be inserted: set at creation on FULLNAT listeners with TOA, cleared once the backend
     * has acked client data (or sent its own).
     *
     * @param pending true to keep inserting TOA.
     * @return this.
     */
    public FlowFlyweight toaPending(final boolean pending) {
        flag(FLAG_TOA_PENDING, pending);
        return this;
    }

    /** @return true if an idle ESTABLISHED expiry should reset both sides. */
    public boolean resetOnIdle() {
        return (flags() & FLAG_RESET_ON_IDLE) != 0;
    }

    /**
     * Sets whether an idle ESTABLISHED expiry resets both sides (from the listener's {@link TimeoutProfile}).
     *
     * @param reset true to reset.
     * @return this.
     */
    public FlowFlyweight resetOnIdle(final boolean reset) {
        flag(FLAG_RESET_ON_IDLE, reset);
        return this;
    }

    /** @return true once a reply-direction packet was seen. */
    public boolean seenReply() {
        return (flags() & FLAG_SEEN_REPLY) != 0;
    }

    /** @return true if the flow's backend is draining. */
    public boolean draining() {
        return (flags() & FLAG_DRAINING) != 0;
    }

    /**
     * Marks the flow as belonging to a draining backend.
     *
     * @param draining true when draining.
     * @return this.
     */
    public FlowFlyweight draining(final boolean draining) {
        flag(FLAG_DRAINING, draining);
        return this;
    }

    /** @return true if the flow was counted on its listener's traffic counters. */
    public boolean listenerCounted() {
        return (flags() & FLAG_LISTENER_COUNTED) != 0;
    }

    /**
     * Marks the flow as counted on its listener's traffic counters (set at creation when they exist).
     *
     * @param counted true when counted.
     * @return this.
     */
    public FlowFlyweight listenerCounted(final boolean counted) {
        flag(FLAG_LISTENER_COUNTED, counted);
        return this;
    }

    /** @return true if the flow was counted on its backend's traffic counters. */
    public boolean backendCounted() {
        return (flags() & FLAG_BACKEND_COUNTED) != 0;
    }

    /**
     * Marks the flow as counted on its backend's traffic counters (set at creation when they exist), so that its
     * state changes and its close are counted there too and gauges never go below zero.
     *
     * @param counted true when counted.
     * @return this.
     */
    public FlowFlyweight backendCounted(final boolean counted) {
        flag(FLAG_BACKEND_COUNTED, counted);
        return this;
    }

    /** @return the listener id. */
    public int listenerId() {
        return entries.get(INT, base + LISTENER_ID_OFFSET);
    }

    /**
     * Sets the listener id.
     *
     * @param listenerId id.
     * @return this.
     */
    public FlowFlyweight listenerId(final int listenerId) {
        entries.set(INT, base + LISTENER_ID_OFFSET, listenerId);
        return this;
    }

    /** @return the backend id. */
    public int backendId() {
        return entries.get(INT, base + BACKEND_ID_OFFSET);
    }

    /**
     * Sets the backend id.
     *
     * @param backendId id.
     * @return this.
     */
    public FlowFlyweight backendId(final int backendId) {
        entries.set(INT, base + BACKEND_ID_OFFSET, backendId);
        return this;
    }

    /** @return delta added to client→backend sequence numbers (FULLNAT ISN rewrite). */
    public int seqDelta() {
        return entries.get(INT, base + SEQ_DELTA_OFFSET);
    }

    /**
     * Sets the sequence delta.
     *
     * @param delta LB ISN minus client ISN.
     * @return this.
     */
    public FlowFlyweight seqDelta(final int delta) {
        entries.set(INT, base + SEQ_DELTA_OFFSET, delta);
        return this;
    }

    /** @return delta added to client TCP timestamp values towards the backend (FULLNAT), 0 for none. */
    public int tsDelta() {
        return entries.get(INT, base + TS_DELTA_OFFSET);
    }

    /**
     * Sets the timestamp delta.
     *
     * @param delta backend-visible TSval minus the client's TSval.
     * @return this.
     */
    public FlowFlyweight tsDelta(final int delta) {
        entries.set(INT, base + TS_DELTA_OFFSET, delta);
        return this;
    }

    /** @return backend ISN + 1: client segments acking exactly this are before any backend data (TOA). */
    public int toaAckSeq() {
        return entries.get(INT, base + TOA_ACK_SEQ_OFFSET);
    }

    /**
     * Sets the backend ISN + 1, learned from the SYN-ACK.
     *
     * @param seq the sequence number.
     * @return this.
     */
    public FlowFlyweight toaAckSeq(final int seq) {
        entries.set(INT, base + TOA_ACK_SEQ_OFFSET, seq);
        return this;
    }

    /** @return next sequence number expected from the client, in the backend's sequence space. */
    public int origNextSeq() {
        return entries.get(INT, base + ORIG_NEXT_SEQ_OFFSET);
    }

    /**
     * Records the client's next sequence number (seq + payload length + SYN/FIN, after the delta).
     *
     * @param seq the sequence number.
     * @return this.
     */
    public FlowFlyweight origNextSeq(final int seq) {
        entries.set(INT, base + ORIG_NEXT_SEQ_OFFSET, seq);
        return this;
    }

    /** @return next sequence number expected from the backend. */
    public int replyNextSeq() {
        return entries.get(INT, base + REPLY_NEXT_SEQ_OFFSET);
    }

    /**
     * Records the backend's next sequence number.
     *
     * @param seq the sequence number.
     * @return this.
     */
    public FlowFlyweight replyNextSeq(final int seq) {
        entries.set(INT, base + REPLY_NEXT_SEQ_OFFSET, seq);
        return this;
    }

    /** @return the idle deadline, ms of the agent clock. */
    public long deadlineMs() {
        return entries.get(LONG, base + DEADLINE_MS_OFFSET);
    }

    /** @return creation time, ms of the agent clock. */
    public long createdMs() {
        return entries.get(LONG, base + CREATED_MS_OFFSET);
    }

    /** @return packets in both directions. */
    public long packets() {
        return entries.get(LONG, base + PACKETS_OFFSET);
    }

    /** @return bytes in both directions. */
    public long bytes() {
        return entries.get(LONG, base + BYTES_OFFSET);
    }

    /**
     * Counts one packet.
     *
     * @param frameBytes its length.
     * @return this.
     */
    public FlowFlyweight countPacket(final int frameBytes) {
        entries.set(LONG, base + PACKETS_OFFSET, entries.get(LONG, base + PACKETS_OFFSET) + 1);
        entries.set(LONG, base + BYTES_OFFSET, entries.get(LONG, base + BYTES_OFFSET) + frameBytes);
        return this;
    }
}
