package io.fulcrum.forwarder.io.xdp;

/**
 * Layouts and constants of the AF_XDP socket API ({@code linux/if_xdp.h}).
 *
 * <pre>
 * struct xdp_umem_reg (XDP_UMEM_REG, 32 bytes)    struct sockaddr_xdp (bind, 16 bytes)
 * +0  u64 addr        UMEM start (page aligned)   +0  u16 sxdp_family  AF_XDP = 44
 * +8  u64 len         UMEM bytes                  +2  u16 sxdp_flags   XDP_COPY | XDP_ZEROCOPY | NEED_WAKEUP
 * +16 u32 chunk_size  frame size (2048/4096)      +4  u32 ifindex
 * +20 u32 headroom    0                           +8  u32 queue_id
 * +24 u32 flags       0 (aligned chunks)          +12 u32 shared_umem_fd
 * +28 u32 tx_metadata_len 0
 *
 * struct xdp_mmap_offsets (getsockopt XDP_MMAP_OFFSETS, 128 bytes; 96 before need-wakeup, without flags)
 * +0  rx  +32 tx  +64 fill  +96 completion, each struct xdp_ring_offset:
 *         +0 u64 producer  +8 u64 consumer  +16 u64 desc  +24 u64 flags
 *
 * one ring mapping (mmap(fd, pgoff)):
 * +producer  u32 producer index (free running)     written by the producer with release
 * +consumer  u32 consumer index (free running)     written by the consumer with release
 * +flags     u32 XDP_RING_NEED_WAKEUP (bit 0)
 * +desc      entries[size]: fill/completion u64 UMEM address; rx/tx struct xdp_desc:
 *                           +0 u64 addr  +8 u32 len  +12 u32 options     (16 bytes)
 *
 * struct xdp_statistics (getsockopt XDP_STATISTICS, 48 bytes, not reset on read)
 * +0 rx_dropped  +8 rx_invalid_descs  +16 tx_invalid_descs  +24 rx_ring_full
 * +32 rx_fill_ring_empty_descs  +40 tx_ring_empty_descs                      (all u64)
 * </pre>
 */
final class XskDescriptor {
    static final int XDP_MMAP_OFFSETS = 1;
    static final int XDP_RX_RING = 2;
    static final int XDP_TX_RING = 3;
    static final int XDP_UMEM_REG = 4;
    static final int XDP_UMEM_FILL_RING = 5;
    static final int XDP_UMEM_COMPLETION_RING = 6;
    static final int XDP_STATISTICS = 7;

    static final int XDP_COPY = 1 << 1;
    static final int XDP_ZEROCOPY = 1 << 2;
    static final int XDP_USE_NEED_WAKEUP = 1 << 3;
    static final int XDP_RING_NEED_WAKEUP = 1;

    static final long XDP_PGOFF_RX_RING = 0L;
    static final long XDP_PGOFF_TX_RING = 0x80000000L;
    static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    static final int UMEM_REG_SIZE = 32;
    static final int UMEM_REG_ADDR = 0;
    static final int UMEM_REG_LEN = 8;
    static final int UMEM_REG_CHUNK_SIZE = 16;
    static final int UMEM_REG_HEADROOM = 20;

    static final int SOCKADDR_SIZE = 16;
    static final int SOCKADDR_FAMILY = 0;
    static final int SOCKADDR_FLAGS = 2;
    static final int SOCKADDR_IFINDEX = 4;
    static final int SOCKADDR_QUEUE_ID = 8;

    static final int MMAP_OFFSETS_SIZE = 128;
    /** Size before the flags word was added (kernels before 5.4): no need-wakeup. */
    static final int MMAP_OFFSETS_V1_SIZE = 96;
    static final int RING_OFFSET_SIZE = 32;
    static final int RING_OFFSET_V1_SIZE = 24;
    static final int RING_RX = 0;
    static final int RING_TX = 1;
    static final int RING_FILL = 2;
    static final int RING_COMPLETION = 3;
    static final int RING_OFFSET_PRODUCER = 0;
    static final int RING_OFFSET_CONSUMER = 8;
    static final int RING_OFFSET_DESC = 16;
    static final int RING_OFFSET_FLAGS = 24;

    static final int DESC_SIZE = 16;
    static final int DESC_ADDR = 0;
    static final int DESC_LEN = 8;
    static final int DESC_OPTIONS = 12;
    static final int ADDR_SIZE = 8;

    static final int STATISTICS_SIZE = 48;
    static final int STAT_RX_DROPPED = 0;
    static final int STAT_RX_INVALID_DESCS = 8;
    static final int STAT_TX_INVALID_DESCS = 16;
    static final int STAT_RX_RING_FULL = 24;
    static final int STAT_RX_FILL_RING_EMPTY_DESCS = 32;
    static final int STAT_TX_RING_EMPTY_DESCS = 40;

    private XskDescriptor() {
    }
}
