package io.fulcrum.forwarder.stage;

/**
 * Why a received frame was dropped. Each reason has one counter per agent, labelled
 * {@code agent-<id> drop <label>}; every received frame ends up in exactly one of: a transmit, a consume,
 * or one drop reason (see {@link Verdict}).
 */
public enum DropReason {
    /** The capture cut the frame short (snaplen &lt; len): it must not be processed or forwarded. */
    CAPTURE_TRUNCATED("capture-truncated"),
    /** Shorter than an Ethernet header (14 bytes). */
    ETH_TRUNCATED("eth-truncated"),
    /** Unicast to another host's MAC (seen in promiscuous capture). */
    ETH_FOREIGN_DESTINATION("eth-foreign-destination"),
    /** Source MAC is zero or a group address. */
    ETH_BAD_SOURCE("eth-bad-source"),
    /** 802.1Q / 802.1ad tagged: VLANs are not handled. */
    VLAN_UNSUPPORTED("vlan-unsupported"),
    /** IPv6 is not handled yet. */
    IPV6_UNSUPPORTED("ipv6-unsupported"),
    /** Any other EtherType. */
    ETHER_TYPE_UNKNOWN("ethertype-unknown"),
    /** Shorter than Ethernet + ARP (42 bytes). */
    ARP_TRUNCATED("arp-truncated"),
    /** Not Ethernet/IPv4 ARP (htype, ptype, hlen or plen). */
    ARP_UNSUPPORTED("arp-unsupported"),
    /** Opcode other than request (1) or reply (2). */
    ARP_BAD_OPCODE("arp-bad-opcode"),
    /** Sender MAC zero or group, or sender IP multicast, broadcast or loopback. */
    ARP_BAD_SENDER("arp-bad-sender"),
    /** Another host claims one of this interface's addresses. */
    ARP_ADDRESS_CONFLICT("arp-address-conflict"),
    /** The sender is not in any of the receiving interface's subnets: not learned, not answered. */
    ARP_SENDER_OFF_LINK("arp-sender-off-link"),
    /** A request or reply about an address this interface does not own. */
    ARP_NOT_FOR_US("arp-not-for-us"),
    /** Shorter than Ethernet + 20, or than Ethernet + IHL * 4. */
    IPV4_TRUNCATED("ipv4-truncated"),
    /** Version field not 4. */
    IPV4_BAD_VERSION("ipv4-bad-version"),
    /** IHL below 5. */
    IPV4_BAD_HEADER_LENGTH("ipv4-bad-header-length"),
    /** Total length below the header length or beyond the frame. */
    IPV4_BAD_TOTAL_LENGTH("ipv4-bad-total-length"),
    /** Header checksum does not verify. */
    IPV4_BAD_CHECKSUM("ipv4-bad-checksum"),
    /** Source is 0/8, 127/8, multicast, class E, limited broadcast or one of our own addresses. */
    IPV4_MARTIAN_SOURCE("ipv4-martian-source"),
    /** Limited (255.255.255.255) or directed broadcast destination (no smurf amplification). */
    IPV4_BROADCAST("ipv4-broadcast"),
    /** Multicast destination. */
    IPV4_MULTICAST("ipv4-multicast"),
    /** Unicast IPv4 sent to a link-layer group address. */
    IPV4_LINK_BROADCAST("ipv4-link-broadcast"),
    /** Destination is not an address this agent owns. */
    IPV4_NOT_LOCAL("ipv4-not-local"),
    /** More-fragments set or a non-zero fragment offset (reassembly is not handled yet). */
    IPV4_FRAGMENT("ipv4-fragment"),
    /** A protocol other than ICMP, TCP and UDP. */
    IPV4_PROTOCOL_UNSUPPORTED("ipv4-protocol-unsupported"),
    /** ICMP message shorter than 8 bytes. */
    ICMP_TRUNCATED("icmp-truncated"),
    /** ICMP checksum does not verify. */
    ICMP_BAD_CHECKSUM("icmp-bad-checksum"),
    /** An ICMP type other than echo request sent to us. */
    ICMP_TYPE_UNSUPPORTED("icmp-type-unsupported"),
    /** TCP/UDP segment shorter than its header. */
    L4_TRUNCATED("l4-truncated"),
    /** TCP/UDP to a local address that no listener serves. */
    NO_LISTENER("no-listener"),
    /** L4: a listener's ACL refused the new flow's source. */
    ACL_DENIED("acl-denied"),
    /** L4: the flow table is full; the new flow is refused (existing flows are untouched). */
    FLOW_TABLE_FULL("flow-table-full"),
    /** L4: the new flow's tuple collides with a tracked flow's other direction. */
    FLOW_DUPLICATE("flow-duplicate"),
    /** L4: no backend is eligible for a new flow (a SYN is answered with RST when the group says reset). */
    NO_BACKEND("no-backend"),
    /** L4: this agent's share of FULLNAT local ports is used up. */
    LOCAL_PORTS_EXHAUSTED("local-ports-exhausted"),
    /** L4: a TCP segment other than a SYN for no tracked flow (e.g. an RST storm): dropped silently. */
    TCP_NO_FLOW("tcp-no-flow"),
    /** L4: TCP data offset below 5 or beyond the segment. */
    TCP_BAD_HEADER("tcp-bad-header"),
    /** L4: TCP options malformed (length 0 or 1, or running past the header). */
    TCP_BAD_OPTIONS("tcp-bad-options"),
    /** L4: impossible TCP flag combinations (SYN+FIN, SYN+RST, none at all). */
    TCP_BAD_FLAGS("tcp-bad-flags"),
    /** L4: the next hop's MAC is not known yet (an ARP request went out). */
    NEXT_HOP_UNRESOLVED("next-hop-unresolved"),
    /** L4: the destination is on no link and no route covers it. */
    NO_ROUTE("no-route"),
    /** L4: a packet to forward arrived with TTL 0 or 1. */
    TTL_EXCEEDED("ttl-exceeded"),
    /** L4: a later IPv4 fragment whose first fragment was not seen by this agent. */
    FRAGMENT_UNTRACKED("fragment-untracked"),
    /** L4: an ICMP error (unreachable, time exceeded) about no tracked flow, or too short to tell. */
    ICMP_NO_FLOW("icmp-no-flow"),
    /** L4: the flow's backend was drained or removed; both sides were reset. */
    BACKEND_DRAINED("backend-drained"),
    /** L4: the flow's listener was removed or replaced and its drain time is over; both sides were reset. */
    LISTENER_REMOVED("listener-removed"),
    /** L4: the frame belongs to another agent and that agent's handoff ring is full. */
    HANDOFF_RING_FULL("handoff-ring-full"),
    /**
     * L4: a GSO frame (virtio header) for another agent: it does not fit the handoff ring's messages. Owner steering
     * (the default AF_PACKET fanout) sends frames to their owner, so this means hash fanout or an unknown VIP.
     */
    HANDOFF_GSO("handoff-gso"),
    /**
     * IPv4: a GSO frame (virtio header) of a kind that is not forwarded: GSO type other than TCPV4 for TCP or UDP_L4
     * for UDP, without a partial checksum in the L4 checksum field, or with a segment size of 0.
     */
    GSO_UNSUPPORTED("gso-unsupported"),
    /** The frame was answered or forwarded but the transmit ring had no free slot. */
    TX_RING_FULL("tx-ring-full"),
    /** Processing the frame threw (a bug): caught at the agent boundary. */
    INTERNAL_ERROR("internal-error");

    private static final DropReason[] VALUES = values();

    private final String label;

    DropReason(final String label) {
        this.label = label;
    }

    /** The counter label suffix, e.g. {@code ipv4-bad-checksum}. */
    public String label() {
        return label;
    }

    /** The reason with this ordinal (no allocation, unlike {@code values()}). */
    public static DropReason of(final int ordinal) {
        return VALUES[ordinal];
    }

    public static int count() {
        return VALUES.length;
    }
}
