package io.fulcrum.forwarder.proto;

import java.lang.foreign.MemorySegment;

/**
 * ARP packet for IPv4 over Ethernet (RFC 826), positioned after the Ethernet header.
 *
 * <pre>
 *   0         2         4    5    6         8                   14        18                  24        28
 *   +---------+---------+----+----+---------+-------------------+---------+-------------------+---------+
 *   | htype=1 | ptype   |hlen|plen| opcode  | sender MAC (sha)  | sender  | target MAC (tha)  | target  |
 *   |         | 0x0800  | =6 | =4 | 1 req   |                   | IP (spa)|                   | IP (tpa)|
 *   |         |         |    |    | 2 reply |                   |         |                   |         |
 *   +---------+---------+----+----+---------+-------------------+---------+-------------------+---------+
 * </pre>
 */
public final class ArpFlyweight {
    public static final int LENGTH = 28;
    public static final int HARDWARE_TYPE_ETHERNET = 1;
    public static final int OPCODE_REQUEST = 1;
    public static final int OPCODE_REPLY = 2;

    private static final int HARDWARE_TYPE_OFFSET = 0;
    private static final int PROTOCOL_TYPE_OFFSET = 2;
    private static final int HARDWARE_LENGTH_OFFSET = 4;
    private static final int PROTOCOL_LENGTH_OFFSET = 5;
    private static final int OPCODE_OFFSET = 6;
    private static final int SENDER_MAC_OFFSET = 8;
    private static final int SENDER_IP_OFFSET = 14;
    private static final int TARGET_MAC_OFFSET = 18;
    private static final int TARGET_IP_OFFSET = 24;

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    public ArpFlyweight wrap(final MemorySegment segment, final long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    /** True if this is Ethernet/IPv4 ARP (htype 1, ptype 0x0800, hlen 6, plen 4), the only kind handled. */
    public boolean isEthernetIpv4() {
        return Bytes.u16(segment, offset + HARDWARE_TYPE_OFFSET) == HARDWARE_TYPE_ETHERNET
            && Bytes.u16(segment, offset + PROTOCOL_TYPE_OFFSET) == EthernetFlyweight.ETHER_TYPE_IPV4
            && Bytes.u8(segment, offset + HARDWARE_LENGTH_OFFSET) == 6
            && Bytes.u8(segment, offset + PROTOCOL_LENGTH_OFFSET) == 4;
    }

    /** Writes the fixed Ethernet/IPv4 header words (htype, ptype, hlen, plen). */
    public ArpFlyweight ethernetIpv4() {
        Bytes.u16(segment, offset + HARDWARE_TYPE_OFFSET, HARDWARE_TYPE_ETHERNET);
        Bytes.u16(segment, offset + PROTOCOL_TYPE_OFFSET, EthernetFlyweight.ETHER_TYPE_IPV4);
        Bytes.u8(segment, offset + HARDWARE_LENGTH_OFFSET, 6);
        Bytes.u8(segment, offset + PROTOCOL_LENGTH_OFFSET, 4);
        return this;
    }

    public int opcode() {
        return Bytes.u16(segment, offset + OPCODE_OFFSET);
    }

    public ArpFlyweight opcode(final int opcode) {
        Bytes.u16(segment, offset + OPCODE_OFFSET, opcode);
        return this;
    }

    public long senderMac() {
        return Bytes.mac(segment, offset + SENDER_MAC_OFFSET);
    }

    public ArpFlyweight senderMac(final long mac) {
        Bytes.mac(segment, offset + SENDER_MAC_OFFSET, mac);
        return this;
    }

    public int senderIp() {
        return Bytes.i32(segment, offset + SENDER_IP_OFFSET);
    }

    public ArpFlyweight senderIp(final int address) {
        Bytes.i32(segment, offset + SENDER_IP_OFFSET, address);
        return this;
    }

    public long targetMac() {
        return Bytes.mac(segment, offset + TARGET_MAC_OFFSET);
    }

    public ArpFlyweight targetMac(final long mac) {
        Bytes.mac(segment, offset + TARGET_MAC_OFFSET, mac);
        return this;
    }

    public int targetIp() {
        return Bytes.i32(segment, offset + TARGET_IP_OFFSET);
    }

    public ArpFlyweight targetIp(final int address) {
        Bytes.i32(segment, offset + TARGET_IP_OFFSET, address);
        return this;
    }
}
