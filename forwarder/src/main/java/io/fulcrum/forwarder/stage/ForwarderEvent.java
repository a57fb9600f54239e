package io.fulcrum.forwarder.stage;

/**
 * Things worth counting that are not a frame's fate (unlike {@link DropReason} and {@link Verdict}):
 * one counter per agent each, labelled {@code agent-<id> event <label>}.
 */
public enum ForwarderEvent {
    /** ARP replies built for requests to our addresses. */
    ARP_REPLIED("arp-replied"),
    /** ICMP echo replies built. */
    ICMP_ECHO_REPLIED("icmp-echo-replied"),
    /** Neighbour entries created from ARP. */
    ARP_LEARNED("arp-learned"),
    /** Neighbour entries refreshed from ARP. */
    ARP_REFRESHED("arp-refreshed"),
    /** Gratuitous ARP seen (learned, never answered). */
    ARP_GRATUITOUS("arp-gratuitous"),
    /** ARP tried to change a static entry: kept. */
    ARP_STATIC_KEPT("arp-static-kept"),
    /** A neighbour could not be stored: the table is full. */
    NEIGHBOUR_TABLE_FULL("neighbour-table-full"),
    /** ARP requests sent to resolve a next hop. */
    ARP_REQUEST_SENT("arp-request-sent"),
    /** An ARP request for a resolution could not be queued (TX ring full). */
    ARP_REQUEST_TX_FAILED("arp-request-tx-failed"),
    /** Resolution asked again within the retry interval: no request sent. */
    RESOLVE_RATE_LIMITED("resolve-rate-limited"),
    /** Resolution refused: too many addresses already under resolution. */
    RESOLVE_PENDING_FULL("resolve-pending-full"),
    /** Resolution refused: the address is on none of the agent's subnets. */
    RESOLVE_OFF_LINK("resolve-off-link"),
    /** Neighbour entries aged out or abandoned. */
    NEIGHBOUR_EXPIRED("neighbour-expired"),
    /** IPv4 packets to us with options (accepted for local ICMP; stripped from the echo reply). */
    IPV4_OPTIONS("ipv4-options"),
    /** Packets to us that arrived with TTL 0 or 1 (accepted for local delivery, RFC 1812 5.3.1). */
    IPV4_LOW_TTL_LOCAL("ipv4-low-ttl-local"),
    /** CHECKSUM_PARTIAL L4 checksums completed in software. */
    CHECKSUM_COMPLETED("checksum-completed"),
    /** L4: flows created. */
    FLOW_CREATED("flow-created"),
    /** L4: flows removed by idle expiry (their FULLNAT local port is free again). */
    FLOW_EXPIRED("flow-expired"),
    /** L4: finished flows (TIME_WAIT, CLOSE) retired by a client SYN on the same tuple that was scheduled afresh. */
    FLOW_REUSED("flow-reused"),
    /** L4: finished FULLNAT flows (TIME_WAIT, CLOSE) retired because a new flow to the same backend took their pair. */
    LOCAL_PORT_RECYCLED("local-port-recycled"),
    /** L4: FULLNAT connections whose TCP timestamps are moved onto the agent clock (PAWS-safe local port reuse). */
    TCP_TIMESTAMPS_TRANSLATED("tcp-timestamps-translated"),
    /** L4: TOA options inserted. */
    TOA_ADDED("toa-added"),
    /** L4: TOA not inserted: no room in the TCP option space or the MTU (the packet went out untouched). */
    TOA_NO_ROOM("toa-no-room"),
    /**
     * L4: TOA not inserted into a GSO frame (a 64 KiB super-frame the kernel segments: an option in it would be
     * copied into every segment and the MSS budget is the sender's); the handshake ACK carries it.
     */
    TOA_GSO_SKIPPED("toa-gso-skipped"),
    /** L4: client-sent options of the TOA kind replaced by NOPs (anti-spoofing). */
    TOA_STRIPPED("toa-stripped"),
    /** L4: MSS options lowered by the TOA length in SYN and SYN-ACK. */
    MSS_CLAMPED("mss-clamped"),
    /** L4: RSTs sent (idle expiry, drained backend, no backend). */
    RST_SENT("rst-sent"),
    /** L4: RSTs that could not be sent (next hop unresolved or ring full). */
    RST_NOT_SENT("rst-not-sent"),
    /** L4: ICMP errors about tracked flows translated and forwarded. */
    ICMP_ERROR_TRANSLATED("icmp-error-translated"),
    /** L4: first IPv4 fragments forwarded with their flow. */
    FRAGMENT_FIRST_FORWARDED("fragment-first-forwarded"),
    /** L4: later IPv4 fragments forwarded after their first fragment. */
    FRAGMENT_LATER_FORWARDED("fragment-later-forwarded"),
    /** L4: frames handed to the agent that owns their flow. */
    HANDOFF_OUT("handoff-out"),
    /** L4: frames received from another agent's handoff. */
    HANDOFF_IN("handoff-in"),
    /** L4: neighbours learned from ARP passed to another agent (one per other agent). */
    NEIGHBOUR_SHARED_OUT("neighbour-shared-out"),
    /** L4: neighbours another agent learned from ARP, stored here. */
    NEIGHBOUR_SHARED_IN("neighbour-shared-in"),
    /** L4: a learned neighbour could not be passed to another agent: its handoff ring was full. */
    NEIGHBOUR_SHARE_RING_FULL("neighbour-share-ring-full"),
    /** L4: ARP requests sent ahead of need for backends and gateways. */
    NEXT_HOP_PROBED("next-hop-probed"),
    /** Exceptions caught at the agent boundary (bugs). */
    EXCEPTION("exception");

    private static final ForwarderEvent[] VALUES = values();

    private final String label;

    ForwarderEvent(final String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static ForwarderEvent of(final int ordinal) {
        return VALUES[ordinal];
    }

    public static int count() {
        return VALUES.length;
    }
}
