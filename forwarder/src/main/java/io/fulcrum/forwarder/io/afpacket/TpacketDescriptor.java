package io.fulcrum.forwarder.io.afpacket;

/**
 * Layouts and constants of the AF_PACKET TPACKET_V2 interface (linux/if_packet.h), as measured on the
 * target kernel (see docs and /work/shared/reference/packet-io-notes.md). All multi-byte ring fields are
 * native-endian and naturally aligned; frame contents are network byte order.
 *
 * <p>One ring (RX or TX) is {@code frameCount} frames of {@code frameSize} bytes, laid out back to back
 * in one {@code mmap} of the socket (frames never straddle a block because the block size is a
 * power-of-two multiple of the power-of-two frame size):
 * <pre>
 *  ring mapping
 *  +-----------------+-----------------+-----+---------------------------+
 *  | frame 0         | frame 1         | ... | frame frameCount-1        |   frame i at i * frameSize
 *  +-----------------+-----------------+-----+---------------------------+
 *
 *  one frame (tpacket2_hdr, 32 bytes, then the packet)
 *   0               4               8               12      14      16
 *  +---------------+---------------+---------------+-------+-------+
 *  | tp_status u32 | tp_len u32    | tp_snaplen u32| mac   | net   |   mac/net: u16 offsets of the
 *  +---------------+---------------+---------------+-------+-------+   L2/L3 header from the frame start
 *  | tp_sec u32    | tp_nsec u32   | vlan_tci u16  | vlan_tpid u16 | tp_padding[4]  (to 32)
 *  +---------------+---------------+---------------+---------------+
 *  RX: the kernel writes the packet at tp_mac (66 for an Ethernet frame: ALIGN16(52 + 16) - 14).
 *  TX: the user writes the packet at TX_DATA_OFFSET = TPACKET2_HDRLEN - sizeof(sockaddr_ll) = 52 - 20 = 32
 *      and its length into tp_len.
 *
 *  With PACKET_VNET_HDR (set before the rings) a struct virtio_net_hdr (10 bytes, HOST byte order for packet
 *  sockets: vio_le() is the CPU's endianness) sits right before the packet in both rings:
 *  RX: at tp_mac - 10 (tpacket_rcv adds 10 to the network offset, so tp_mac is 76 for Ethernet); tp_len and
 *      tp_snaplen do not count it.
 *  TX: at TX_DATA_OFFSET, the packet at TX_DATA_OFFSET + 10; tp_len counts both.
 *
 *  struct virtio_net_hdr
 *   0       1       2               4               6               8               10
 *  +-------+-------+---------------+---------------+---------------+---------------+
 *  | flags | gso_  | hdr_len u16   | gso_size u16  | csum_start u16| csum_offset   |
 *  |  u8   | type  |               |               |               |   u16         |
 *  +-------+-------+---------------+---------------+---------------+---------------+
 *   flags: NEEDS_CSUM 1 (checksum partial: sum csum_start..end into csum_start + csum_offset), DATA_VALID 2
 *   gso_type: NONE 0, TCPV4 1, UDP 3, TCPV6 4, UDP_L4 5, ECN bit 0x80; gso_size: payload bytes per segment
 *   hdr_len: bytes of headers (on TX the kernel raises it to csum_start + csum_offset + 2 and refuses > length)
 *   csum_start counts from the Ethernet header (the kernel pushes the MAC header back before filling it).
 *
 *  tp_status ownership hand-off:
 *    RX  KERNEL(0) --kernel fills--> USER(1 | flags) --user releases (release store)--> KERNEL(0)
 *    TX  AVAILABLE(0) --user fills, release store--> SEND_REQUEST(1) --kick--> SENDING(2)
 *        --skb freed/orphaned--> AVAILABLE(0)
 *
 *  tpacket_req (setsockopt PACKET_RX_RING / PACKET_TX_RING, 16 bytes)
 *  +------------------+----------------+------------------+----------------+
 *  | tp_block_size u32| tp_block_nr u32| tp_frame_size u32| tp_frame_nr u32|
 *  +------------------+----------------+------------------+----------------+
 *
 *  sockaddr_ll (bind, 20 bytes)
 *  +-----------+-------------+--------------+-----------+---------+---------+----------+
 *  | family u16| protocol be16| ifindex i32 | hatype u16| pkttype | halen u8| addr[8]  |
 *  +-----------+-------------+--------------+-----------+---------+---------+----------+
 *   0           2             4              8           10        11        12
 *
 *  tpacket_stats (getsockopt PACKET_STATISTICS; reading resets the counters, 8 bytes)
 *  +----------------+--------------+
 *  | tp_packets u32 | tp_drops u32 |
 *  +----------------+--------------+
 *
 *  struct sock_filter (one classic BPF instruction, 8 bytes, native-endian; CbpfProgram)
 *  +---------+-------+-------+--------+
 *  | code u16| jt u8 | jf u8 | k u32  |
 *  +---------+-------+-------+--------+
 *   0         2       3       4
 *
 *  struct sock_fprog (setsockopt PACKET_FANOUT_DATA in a PACKET_FANOUT_CBPF group, 16 bytes on 64-bit)
 *  +---------+-------------+-----------------------------+
 *  | len u16 | padding[6]  | filter (struct sock_filter*) |
 *  +---------+-------------+-----------------------------+
 *   0         2             8
 *
 *  struct ifreq (ioctl, 40 bytes): ifr_name[16] then a union at 16:
 *    SIOCGIFHWADDR: sockaddr { sa_family u16 @16; sa_data @18 = the 6-byte MAC }
 *    SIOCGIFMTU:    int ifr_mtu @16
 *    SIOCETHTOOL:   void *ifr_data @16 -> ethtool_value { u32 cmd; u32 data }
 * </pre>
 */
final class TpacketDescriptor {
    static final int TPACKET_V2 = 1;

    // socket options, level SOL_PACKET
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_TX_RING = 13;
    static final int PACKET_LOSS = 14;
    /** Virtio net headers before every frame of both rings; must come before PACKET_RX_RING/TX_RING (EBUSY after). */
    static final int PACKET_VNET_HDR = 15;
    static final int PACKET_FANOUT = 18;
    static final int PACKET_QDISC_BYPASS = 20;
    /** The group's program; only after PACKET_FANOUT joined a CBPF/EBPF group (EINVAL otherwise). */
    static final int PACKET_FANOUT_DATA = 22;
    static final int PACKET_IGNORE_OUTGOING = 23;

    static final int PACKET_FANOUT_HASH = 0;
    static final int PACKET_FANOUT_QM = 5;
    static final int PACKET_FANOUT_CBPF = 6;

    /** htons(ETH_P_ALL) as stored in sockaddr_ll.sll_protocol on a little-endian host. */
    static final short ETH_P_ALL_BE = (short) 0x0300;

    // tpacket2_hdr
    static final int STATUS_OFFSET = 0;
    static final int LEN_OFFSET = 4;
    static final int SNAPLEN_OFFSET = 8;
    static final int MAC_OFFSET = 12;
    static final int TPACKET2_HDRLEN = 52;
    static final int TX_DATA_OFFSET = 32;
    /** Where the kernel puts an Ethernet frame in an RX slot: ALIGN16(TPACKET2_HDRLEN + 16) - 14. */
    static final int RX_DATA_OFFSET = 66;

    /** RX data offset with virtio headers: ALIGN16(52 + 16) + 10 - 14. */
    static final int RX_DATA_OFFSET_VNET = 76;

    // struct virtio_net_hdr
    static final int VNET_HDR_LENGTH = 10;
    static final int VNET_FLAGS_OFFSET = 0;
    static final int VNET_GSO_TYPE_OFFSET = 1;
    static final int VNET_HDR_LEN_OFFSET = 2;
    static final int VNET_GSO_SIZE_OFFSET = 4;
    static final int VNET_CSUM_START_OFFSET = 6;
    static final int VNET_CSUM_OFFSET_OFFSET = 8;

    // tp_status bits
    static final int TP_STATUS_KERNEL = 0;
    static final int TP_STATUS_USER = 1;
    static final int TP_STATUS_COPY = 2;
    static final int TP_STATUS_LOSING = 4;
    static final int TP_STATUS_CSUMNOTREADY = 8;
    static final int TP_STATUS_AVAILABLE = 0;
    static final int TP_STATUS_SEND_REQUEST = 1;
    static final int TP_STATUS_SENDING = 2;
    static final int TP_STATUS_WRONG_FORMAT = 4;

    // tpacket_req
    static final int REQ_BLOCK_SIZE_OFFSET = 0;
    static final int REQ_BLOCK_NR_OFFSET = 4;
    static final int REQ_FRAME_SIZE_OFFSET = 8;
    static final int REQ_FRAME_NR_OFFSET = 12;
    static final int REQ_SIZE = 16;

    // sockaddr_ll
    static final int SLL_FAMILY_OFFSET = 0;
    static final int SLL_PROTOCOL_OFFSET = 2;
    static final int SLL_IFINDEX_OFFSET = 4;
    static final int SLL_SIZE = 20;

    // tpacket_stats
    static final int STATS_PACKETS_OFFSET = 0;
    static final int STATS_DROPS_OFFSET = 4;
    static final int STATS_SIZE = 8;

    // struct sock_filter, struct sock_fprog
    static final int SOCK_FILTER_CODE_OFFSET = 0;
    static final int SOCK_FILTER_JT_OFFSET = 2;
    static final int SOCK_FILTER_JF_OFFSET = 3;
    static final int SOCK_FILTER_K_OFFSET = 4;
    static final int SOCK_FPROG_LEN_OFFSET = 0;
    static final int SOCK_FPROG_FILTER_OFFSET = 8;
    static final int SOCK_FPROG_SIZE = 16;

    // struct ifreq
    static final int IFR_UNION_OFFSET = 16;
    static final int IFR_HWADDR_DATA_OFFSET = 18;

    // ethtool
    static final int SIOCETHTOOL = 0x8946;
    static final int ETHTOOL_GFLAGS = 0x25;
    static final int ETHTOOL_GGRO = 0x2b;
    static final int ETH_FLAG_LRO = 1 << 15;
    static final int ETHTOOL_VALUE_SIZE = 8;

    /** Smallest block the kernel accepts (one page) and the most we ask for per block. */
    static final int MIN_BLOCK_SIZE = 4096;
    static final int MAX_BLOCK_SIZE = 1 << 17;

    private TpacketDescriptor() {
    }

    /** The block size for a ring of {@code frameCount} frames of {@code frameSize} bytes (both powers of two). */
    static int blockSize(final int frameCount, final int frameSize) {
        final long total = (long) frameCount * frameSize;
        int block = Math.max(MIN_BLOCK_SIZE, frameSize);
        while (block < MAX_BLOCK_SIZE && block * 2L <= total) {
            block *= 2;
        }
        return block;
    }
}
