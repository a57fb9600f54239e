package io.fulcrum.forwarder.proto;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum: RFC 1071 one's-complement sums, RFC 1624 incremental updates, and the
 * {@code CHECKSUM_PARTIAL} convention.
 *
 * <p>Sums are carried unfolded in a {@code long} (so {@link #sum} can add 64-bit words: 2^16 = 1 modulo
 * 0xffff, so wider words fold to the same 16-bit result) and folded once at the end with {@link #fold}.
 *
 * <p><b>CHECKSUM_PARTIAL.</b> A frame flagged {@code FrameBatch.FLAG_CSUM_NOT_READY} (veth and tap
 * senders with TX checksum offload, seen by AF_PACKET as {@code TP_STATUS_CSUMNOTREADY}) carries, in
 * its TCP/UDP checksum field, the folded <em>uncomplemented</em> pseudo-header sum instead of the
 * checksum. Rewrites update that seed with {@link #updatePartial32} ({@code P' = P + ~old + new}), and
 * {@link #completePartial} turns it into the real checksum in software by summing the L4 segment
 * including the seed and complementing.
 */
public final class Checksums {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Checksums() {
    }

    /**
     * Adds {@code length} bytes at {@code offset} as big-endian 16-bit words to {@code initial}; an odd
     * trailing byte is padded with a zero byte on the right (RFC 1071). The result is unfolded.
     */
    public static long sum(final MemorySegment segment, final long offset, final int length, final long initial) {
        long acc = initial;
        long position = offset;
        final long end = offset + length;
        while (end - position >= 8) {
            final long word = segment.get(U64, position);
            acc += (word >>> 32) + (word & 0xffff_ffffL);
            position += 8;
        }
        if (end - position >= 4) {
            acc += Bytes.i32(segment, position) & 0xffff_ffffL;
            position += 4;
        }
        if (end - position >= 2) {
            acc += Bytes.u16(segment, position);
            position += 2;
        }
        if (position < end) {
            acc += (long) Bytes.u8(segment, position) << 8;
        }
        return acc;
    }

    /** Folds an unfolded sum to 16 bits with end-around carry. */
    public static int fold(final long sum) {
        long acc = (sum >>> 32) + (sum & 0xffff_ffffL);
        acc = (acc >>> 32) + (acc & 0xffff_ffffL);
        acc = (acc >>> 16) + (acc & 0xffff);
        acc = (acc >>> 16) + (acc & 0xffff);
        return (int) acc;
    }

    /** The checksum field value for an unfolded sum: the one's complement of its fold. */
    public static int complement(final long sum) {
        return ~fold(sum) & 0xffff;
    }

    /** The unfolded IPv4 pseudo-header sum for TCP/UDP (RFC 793/768). */
    public static long pseudoHeaderSum(final int source, final int destination, final int protocol, final int l4Length) {
        return (source >>> 16) + (source & 0xffff) + (destination >>> 16) + (destination & 0xffff)
            + protocol + l4Length;
    }

    /**
     * RFC 1624 equation 3 for one changed 16-bit word: {@code HC' = ~(~HC + ~m + m')}. Returns the new
     * checksum field value.
     */
    public static int update16(final int checksum, final int oldWord, final int newWord) {
        final long sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return ~fold(sum) & 0xffff;
    }

    /** RFC 1624 for one changed 32-bit word (an IPv4 address, or two adjacent 16-bit fields). */
    public static int update32(final int checksum, final int oldValue, final int newValue) {
        final long sum = (~checksum & 0xffff)
            + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
            + (newValue >>> 16) + (newValue & 0xffff);
        return ~fold(sum) & 0xffff;
    }

    /** Like {@link #update16} for a CHECKSUM_PARTIAL seed (uncomplemented): {@code P' = P + ~m + m'}. */
    public static int updatePartial16(final int partial, final int oldWord, final int newWord) {
        return fold((partial & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff));
    }

    /** Like {@link #update32} for a CHECKSUM_PARTIAL seed (uncomplemented). */
    public static int updatePartial32(final int partial, final int oldValue, final int newValue) {
        return fold((partial & 0xffff)
            + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
            + (newValue >>> 16) + (newValue & 0xffff));
    }

    /**
     * Completes a CHECKSUM_PARTIAL L4 checksum in software: the field at {@code checksumOffset} holds the
     * pseudo-header seed, so the checksum is the complement of the sum over the whole L4 segment
     * ({@code l4Length} bytes at {@code l4Offset}) including the seed. For UDP a computed 0 is sent as
     * 0xffff (0 means "no checksum", RFC 768).
     *
     * @return the checksum written.
     */
    public static int completePartial(final MemorySegment segment, final long l4Offset, final int l4Length,
                                      final long checksumOffset, final boolean udp) {
        int checksum = complement(sum(segment, l4Offset, l4Length, 0L));
        if (udp && checksum == 0) {
            checksum = 0xffff;
        }
        Bytes.u16(segment, checksumOffset, checksum);
        return checksum;
    }

    /**
     * Turns a CHECKSUM_PARTIAL seed into its <em>header view</em>: the checksum the L4 header would have if the
     * payload were empty, {@code ~(P + H)} where P is the seed and H the sum of the {@code headerLength} header
     * bytes at {@code l4Offset} (the field excluded). Every RFC 1624 update written for complete checksums (addresses,
     * ports, sequence numbers, options, an inserted option with its length) is then exact on it, and
     * {@link #headerViewToPartial} turns it back into the seed the kernel completes. Costs two header sums, never
     * the payload. A UDP header view of 0 is written as 0xffff (the same value; 0 would read as "no checksum").
     */
    public static void partialToHeaderView(final MemorySegment segment, final long l4Offset, final int headerLength,
                                           final long checksumOffset, final boolean udp) {
        int view = complement(sum(segment, l4Offset, headerLength, 0L));
        if (udp && view == 0) {
            view = 0xffff;
        }
        Bytes.u16(segment, checksumOffset, view);
    }

    /**
     * The inverse of {@link #partialToHeaderView}: {@code P = ~C - H} with the header as it is now.
     *
     * @return the seed written.
     */
    public static int headerViewToPartial(final MemorySegment segment, final long l4Offset, final int headerLength,
                                          final long checksumOffset) {
        final int view = Bytes.u16(segment, checksumOffset);
        Bytes.u16(segment, checksumOffset, 0);
        final int header = fold(sum(segment, l4Offset, headerLength, 0L));
        final int partial = fold((~view & 0xffffL) + (~header & 0xffffL));
        Bytes.u16(segment, checksumOffset, partial);
        return partial;
    }

    /** True if the TCP/UDP segment's checksum verifies against the IPv4 pseudo-header. */
    public static boolean isL4ChecksumValid(final MemorySegment segment, final long l4Offset, final int l4Length,
                                            final int source, final int destination, final int protocol) {
        return fold(sum(segment, l4Offset, l4Length, pseudoHeaderSum(source, destination, protocol, l4Length))) == 0xffff;
    }

    /** Computes and writes a TCP/UDP checksum (the field must be part of the segment; it is zeroed first). */
    public static int writeL4Checksum(final MemorySegment segment, final long l4Offset, final int l4Length,
                                      final long checksumOffset, final int source, final int destination,
                                      final int protocol) {
        Bytes.u16(segment, checksumOffset, 0);
        int checksum = complement(sum(segment, l4Offset, l4Length, pseudoHeaderSum(source, destination, protocol, l4Length)));
        if (protocol == Ipv4Flyweight.PROTOCOL_UDP && checksum == 0) {
            checksum = 0xffff;
        }
        Bytes.u16(segment, checksumOffset, checksum);
        return checksum;
    }
}
