package io.fulcrum.conntrack;

/**
 * Off-heap layout of one IPv4 flow entry in the {@link FlowTable} slab and of the slots of its hash index.
 *
 * <p>A flow is stored once, in a fixed-size 104-byte entry; it is found from both directions through two
 * 4-byte slots in an open-addressing index (linear probing, load factor at most 0.5). Tuple fields of the
 * two directions sit at the same relative offsets (addresses at {@code 8 * direction}, ports at
 * {@code 16 + 4 * direction}) so one comparison routine serves both.
 *
 * <pre>
 * Flow entry, 104 bytes, native byte order, entry i at offset i * 104 of the entry slab:
 *
 *   0               4               8               12              16
 *   +---------------+---------------+---------------+---------------+
 *   | origSrcIp     | origDstIp     | replySrcIp    | replyDstIp    |   original: client -> VIP
 *   | (client)      | (VIP)         | (backend)     | (local/client)|   reply: backend -> local addr (FULLNAT)
 *   +---------------+---------------+---------------+---------------+          backend -> client   (DNAT)
 *  16               20              24  25  26  27  28
 *   +---------------+---------------+---+---+---+---+---------------+
 *   | origPorts     | replyPorts    |pro|nat|tcp|flg| listenerId    |   ports = srcPort &lt;&lt; 16 | dstPort
 *   | cport|vport   | bport|lport   |to |   |st |   |               |
 *   +---------------+---------------+---+---+---+---+---------------+
 *  32               36              40              44              48
 *   +---------------+---------------+---------------+---------------+
 *   | backendId     | seqDelta      | toaAckSeq     | origNextSeq   |   seq/ack rewrite, TOA, RST-on-expiry
 *   +---------------+---------------+---------------+---------------+
 *  48               52              56              60              64
 *   +---------------+---------------+---------------+---------------+
 *   | replyNextSeq  | wheelNext     | wheelPrev     | wheelTick     |   timer-wheel links (wheelNext doubles
 *   +---------------+---------------+---------------+---------------+   as the free-list link of free entries)
 *  64                               72                              80
 *   +-------------------------------+-------------------------------+
 *   | deadlineMs                    | createdMs                     |
 *   +-------------------------------+-------------------------------+
 *  80                               88                              96
 *   +-------------------------------+-------------------------------+
 *   | packets (both directions)     | bytes (both directions)       |
 *   +-------------------------------+-------------------------------+
 *  96               100             104
 *   +---------------+---------------+
 *   | tsDelta       | (reserved)    |   FULLNAT TCP timestamp rewrite
 *   +---------------+---------------+
 *
 * Index slot, 4 bytes (int), 0 = empty:
 *
 *   31      27 26                                                  0
 *   +---------+----------------------------------------------------+
 *   |  tag    |  ref + 1,  ref = flowIndex &lt;&lt; 1 | direction        |
 *   +---------+----------------------------------------------------+
 *   tag = top 5 bits of the tuple hash, so most non-matching slots are skipped without touching the entry.
 * </pre>
 *
 * <p>Memory per flow of capacity: 104 bytes of entry + 4 index slots of 4 bytes (two directions at load
 * factor 0.5) = {@value #BYTES_PER_FLOW} bytes. A table of 2^24 flows (16.7 M, enough for 10 M live flows)
 * takes 1.875 GiB.
 */
public final class FlowDescriptor {
    /** Size of one flow entry in the slab. */
    public static final int ENTRY_BYTES = 104;
    /** Size of one index slot. */
    public static final int INDEX_SLOT_BYTES = 4;
    /** Index slots allocated per flow of capacity: two directions at a maximum load factor of 0.5. */
    public static final int INDEX_SLOTS_PER_FLOW = 4;
    /** Bytes of off-heap memory per flow of capacity, entry plus both directions' index cost. */
    public static final int BYTES_PER_FLOW = ENTRY_BYTES + INDEX_SLOTS_PER_FLOW * INDEX_SLOT_BYTES;

    /** Client address (original source). */
    public static final int ORIG_SRC_IP_OFFSET = 0;
    /** VIP (original destination). */
    public static final int ORIG_DST_IP_OFFSET = 4;
    /** Backend address (reply source). */
    public static final int REPLY_SRC_IP_OFFSET = 8;
    /** Local address for FULLNAT, client address for DNAT (reply destination). */
    public static final int REPLY_DST_IP_OFFSET = 12;
    /** Original ports, {@code clientPort << 16 | vport}. */
    public static final int ORIG_PORTS_OFFSET = 16;
    /** Reply ports, {@code backendPort << 16 | localPort} (FULLNAT) or {@code backendPort << 16 | clientPort}. */
    public static final int REPLY_PORTS_OFFSET = 20;
    /** IP protocol number (6 TCP, 17 UDP, 1 ICMP). */
    public static final int PROTO_OFFSET = 24;
    /** Forwarding mode, {@link #NAT_FULLNAT} or {@link #NAT_DNAT}. */
    public static final int NAT_MODE_OFFSET = 25;
    /** TCP state, one of {@link TcpState}; 0 for UDP and ICMP. */
    public static final int TCP_STATE_OFFSET = 26;
    /** Flag bits, {@code FLAG_*}. */
    public static final int FLAGS_OFFSET = 27;
    /** Listener the flow belongs to. */
    public static final int LISTENER_ID_OFFSET = 28;
    /** Backend the flow is bound to. */
    public static final int BACKEND_ID_OFFSET = 32;
    /** Sequence-number delta added to client→backend seq (and subtracted from backend→client ack). */
    public static final int SEQ_DELTA_OFFSET = 36;
    /** Backend ISN + 1: client segments acking exactly this still get TOA (backend has sent no data yet). */
    public static final int TOA_ACK_SEQ_OFFSET = 40;
    /** Next sequence number expected from the client (as seen by the backend), for RST on expiry. */
    public static final int ORIG_NEXT_SEQ_OFFSET = 44;
    /** Next sequence number expected from the backend (as seen by the client), for RST on expiry. */
    public static final int REPLY_NEXT_SEQ_OFFSET = 48;
    /** Next entry in the timer-wheel slot list, or in the free list; -1 ends a list. */
    public static final int WHEEL_NEXT_OFFSET = 52;
    /** Previous entry in the timer-wheel slot list, -1 at the head. */
    public static final int WHEEL_PREV_OFFSET = 56;
    /** Wheel tick (low 32 bits) of the slot the entry is linked in. */
    public static final int WHEEL_TICK_OFFSET = 60;
    /** Absolute idle deadline in milliseconds of the agent clock. */
    public static final int DEADLINE_MS_OFFSET = 64;
    /** Creation time in milliseconds of the agent clock. */
    public static final int CREATED_MS_OFFSET = 72;
    /** Packets seen in both directions. */
    public static final int PACKETS_OFFSET = 80;
    /** Bytes seen in both directions. */
    public static final int BYTES_OFFSET = 88;
    /** Delta added to the client's TCP timestamp values (and subtracted from the backend's echoes), FULLNAT. */
    public static final int TS_DELTA_OFFSET = 96;

    /** Forwarding mode: source becomes a local address/port, destination the backend. */
    public static final int NAT_FULLNAT = 1;
    /** Forwarding mode: only the destination changes. */
    public static final int NAT_DNAT = 2;

    /** Entry holds a live flow (cleared when freed). */
    public static final int FLAG_IN_USE = 0x01;
    /** TOA still has to be inserted into client segments (backend has not acked/sent data yet). */
    public static final int FLAG_TOA_PENDING = 0x02;
    /** On idle expiry in ESTABLISHED, tell the caller to send RST to client and backend. */
    public static final int FLAG_RESET_ON_IDLE = 0x04;
    /** A packet in the reply direction has been seen. */
    public static final int FLAG_SEEN_REPLY = 0x08;
    /** The flow's backend is draining (removed or weight 0); the caller resets it at its drain deadline. */
    public static final int FLAG_DRAINING = 0x10;
    /** The flow was counted on its listener's per-object traffic counters (so its close is counted there too). */
    public static final int FLAG_LISTENER_COUNTED = 0x20;
    /** The flow was counted on its backend's per-object traffic counters (so its close is counted there too). */
    public static final int FLAG_BACKEND_COUNTED = 0x40;

    /** Index slot: shift of the 5-bit hash tag. */
    static final int SLOT_TAG_SHIFT = 27;
    /** Index slot: mask of {@code ref + 1}. */
    static final int SLOT_REF_MASK = (1 << SLOT_TAG_SHIFT) - 1;

    private FlowDescriptor() {
    }
}
