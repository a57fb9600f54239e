package io.fulcrum.forwarder.xmit;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.proto.Checksums;
import io.fulcrum.forwarder.proto.Ipv4Flyweight;

/**
 * Reads and edits TCP options in place (RFC 9293 3.2): validates the option list, lowers the MSS, overwrites
 * options of one kind with NOPs, and builds a copy of a segment with a {@link ToaOption} inserted. Every edit
 * updates the TCP checksum incrementally (RFC 1624). One per agent; {@link #parse} fills the fields the edits
 * use, so call it first for each segment. Allocation-free.
 */
public final class TcpOptionEditor {
    /** End of option list. */
    public static final int KIND_EOL = 0;
    /** No operation. */
    public static final int KIND_NOP = 1;
    /** Maximum segment size. */
    public static final int KIND_MSS = 2;
    /** Selective acknowledgment blocks (RFC 2018). */
    public static final int KIND_SACK = 5;
    /** Timestamps (RFC 7323). */
    public static final int KIND_TIMESTAMP = 8;
    /** Largest TCP header (data offset 15). */
    public static final int MAX_HEADER_LENGTH = 60;
    /** The smallest MSS we clamp to (RFC 879's default, and above Linux's floor of 88). */
    public static final int MIN_MSS = 536;

    private static final int FIXED_HEADER = 20;
    private static final int SEQUENCE_OFFSET = 4;
    private static final int ACKNOWLEDGMENT_OFFSET = 8;
    private static final int CHECKSUM_OFFSET = 16;
    private static final int DATA_OFFSET_OFFSET = 12;

    private int mssOffset = -1;
    private int timestampOffset = -1;
    private int kindCount;

    /**
     * Walks the options of the TCP header at {@code tcpOffset}; remembers where the MSS is and how many options of
     * {@code watchedKind} there are.
     *
     * @param headerLength the header length from the data offset, 20–60, within the segment.
     * @param watchedKind  the option kind to count (the TOA kind), or -1.
     * @return false if the list is malformed: an option length below 2 or running past the header.
     */
    public boolean parse(final MemorySegment segment, final long tcpOffset, final int headerLength, final int watchedKind) {
        mssOffset = -1;
        timestampOffset = -1;
        kindCount = 0;
        int i = FIXED_HEADER;
        while (i < headerLength) {
            final int kind = Bytes.u8(segment, tcpOffset + i);
            if (kind == KIND_EOL) {
                return true;
            }
            if (kind == KIND_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= headerLength) {
                return false;
            }
            final int length = Bytes.u8(segment, tcpOffset + i + 1);
            if (length < 2 || i + length > headerLength) {
                return false;
            }
            if (kind == KIND_MSS && length == 4) {
                mssOffset = i + 2;
            } else if (kind == KIND_TIMESTAMP && length == 10) {
                timestampOffset = i + 2;
            }
            if (kind == watchedKind) {
                kindCount++;
            }
            i += length;
        }
        return true;
    }

    /** Options of the watched kind found by the last {@link #parse}. */
    public int kindCount() {
        return kindCount;
    }

    /** True if the last {@link #parse} found a timestamps option. */
    public boolean hasTimestamp() {
        return timestampOffset >= 0;
    }

    /** TSval of the timestamps option found by the last {@link #parse} (check {@link #hasTimestamp()} first). */
    public int timestampValue(final MemorySegment segment, final long tcpOffset) {
        return Bytes.i32(segment, tcpOffset + timestampOffset);
    }

    /**
     * Adds {@code valueDelta} to TSval and {@code echoDelta} to TSecr of the timestamps option found by the last
     * {@link #parse}, updating the checksum; nothing if there is none.
     */
    public void shiftTimestamps(final MemorySegment segment, final long tcpOffset, final int valueDelta,
                                final int echoDelta) {
        if (timestampOffset < 0) {
            return;
        }
        if (valueDelta != 0) {
            shift32(segment, tcpOffset, timestampOffset, valueDelta);
        }
        if (echoDelta != 0) {
            shift32(segment, tcpOffset, timestampOffset + 4, echoDelta);
        }
    }

    /** True if the last {@link #parse} found an MSS option. */
    public boolean hasMss() {
        return mssOffset >= 0;
    }

    /**
     * Lowers the MSS option found by {@link #parse} by {@code delta} (never below {@link #MIN_MSS}).
     *
     * @return true if it changed.
     */
    public boolean clampMss(final MemorySegment segment, final long tcpOffset, final int delta) {
        if (mssOffset < 0) {
            return false;
        }
        final long at = tcpOffset + mssOffset;
        final int mss = Bytes.u16(segment, at);
        final int clamped = Math.max(MIN_MSS, mss - delta);
        if (clamped >= mss) {
            return false;
        }
        replaceWordAt(segment, tcpOffset, mssOffset, clamped);
        return true;
    }

    /**
     * Overwrites every option of {@code kind} with NOPs.
     *
     * @return the number of options overwritten.
     */
    public int strip(final MemorySegment segment, final long tcpOffset, final int headerLength, final int kind) {
        int stripped = 0;
        int i = FIXED_HEADER;
        while (i < headerLength) {
            final int k = Bytes.u8(segment, tcpOffset + i);
            if (k == KIND_EOL) {
                break;
            }
            if (k == KIND_NOP) {
                i++;
                continue;
            }
            final int length = Bytes.u8(segment, tcpOffset + i + 1);
            if (k == kind) {
                for (int b = 0; b < length; b++) {
                    replaceByteAt(segment, tcpOffset, i + b, KIND_NOP);
                }
                stripped++;
            }
            i += length;
        }
        return stripped;
    }

    /**
     * Adds {@code delta} to the sequence number, updating the checksum (FULLNAT sequence translation).
     *
     * @param tcpOffset the TCP header.
     * @param delta     what to add (modulo 2^32).
     */
    public static void shiftSequence(final MemorySegment segment, final long tcpOffset, final int delta) {
        shift32(segment, tcpOffset, SEQUENCE_OFFSET, delta);
    }

    /**
     * Adds {@code delta} to the acknowledgment number, updating the checksum.
     *
     * @param tcpOffset the TCP header.
     * @param delta     what to add (modulo 2^32).
     */
    public static void shiftAcknowledgment(final MemorySegment segment, final long tcpOffset, final int delta) {
        shift32(segment, tcpOffset, ACKNOWLEDGMENT_OFFSET, delta);
    }

    /**
     * Adds {@code delta} to both edges of every SACK block, updating the checksum: SACK blocks name sequence numbers
     * of the other direction, so they move with that direction's translation.
     *
     * @param headerLength the header length, options already validated by {@link #parse}.
     * @return the number of blocks moved.
     */
    public static int shiftSackBlocks(final MemorySegment segment, final long tcpOffset, final int headerLength,
                                      final int delta) {
        int blocks = 0;
        int i = FIXED_HEADER;
        while (i < headerLength) {
            final int kind = Bytes.u8(segment, tcpOffset + i);
            if (kind == KIND_EOL) {
                break;
            }
            if (kind == KIND_NOP) {
                i++;
                continue;
            }
            final int length = Bytes.u8(segment, tcpOffset + i + 1);
            if (kind == KIND_SACK) {
                for (int edge = i + 2; edge + 4 <= i + length; edge += 4) {
                    shift32(segment, tcpOffset, edge, delta);
                }
                blocks += (length - 2) / 8;
            }
            i += length;
        }
        return blocks;
    }

    /** Adds {@code delta} to the 32-bit value at header offset {@code at}, which may be unaligned (options). */
    private static void shift32(final MemorySegment segment, final long tcpOffset, final int at, final int delta) {
        final int old = Bytes.i32(segment, tcpOffset + at);
        final int value = old + delta;
        if ((at & 1) == 0) {
            Bytes.i32(segment, tcpOffset + at, value);
            final long checksumAt = tcpOffset + CHECKSUM_OFFSET;
            Bytes.u16(segment, checksumAt, Checksums.update32(Bytes.u16(segment, checksumAt), old, value));
        } else {
            for (int b = 0; b < 4; b++) {
                replaceByteAt(segment, tcpOffset, at + b, (value >>> (24 - 8 * b)) & 0xff);
            }
        }
    }

    /**
     * Copies the frame into {@code target} with an IPv4 TOA option inserted after the fixed TCP header; raises the
     * data offset and the IPv4 total length by 8 and updates both checksums incrementally.
     *
     * @param source      the frame memory.
     * @param frameOffset the frame's Ethernet header.
     * @param ipOffset    the IPv4 header.
     * @param tcpOffset   the TCP header.
     * @param frameEnd    the offset just past the IPv4 packet ({@code ipOffset + total length}).
     * @param target      where to build the new frame, at offset 0; at least {@code frameEnd - frameOffset + 8} bytes.
     * @param kind        the option kind.
     * @param clientIp    the client address to carry.
     * @param clientPort  the client port to carry.
     * @return the new frame's length.
     */
    public static int insertToa(final MemorySegment source, final long frameOffset, final long ipOffset, final long tcpOffset,
                                final long frameEnd, final MemorySegment target, final int kind, final int clientIp,
                                final int clientPort) {
        final int head = (int) (tcpOffset + FIXED_HEADER - frameOffset);
        final int tail = (int) (frameEnd - tcpOffset - FIXED_HEADER);
        MemorySegment.copy(source, frameOffset, target, 0, head);
        MemorySegment.copy(source, tcpOffset + FIXED_HEADER, target, head + ToaOption.LENGTH_IPV4, tail);
        final long ip = ipOffset - frameOffset;
        final long tcp = tcpOffset - frameOffset;
        final int kindWord = (kind << 8) | ToaOption.LENGTH_IPV4;
        Bytes.u16(target, head, kindWord);
        Bytes.u16(target, head + 2, clientPort);
        Bytes.i32(target, head + 4, clientIp);
        final int oldTotal = Bytes.u16(target, ip + Ipv4Flyweight.TOTAL_LENGTH_OFFSET);
        final int newTotal = oldTotal + ToaOption.LENGTH_IPV4;
        Bytes.u16(target, ip + Ipv4Flyweight.TOTAL_LENGTH_OFFSET, newTotal);
        Bytes.u16(target, ip + Ipv4Flyweight.CHECKSUM_OFFSET,
            Checksums.update16(Bytes.u16(target, ip + Ipv4Flyweight.CHECKSUM_OFFSET), oldTotal, newTotal));
        final int oldOffsetWord = Bytes.u16(target, tcp + DATA_OFFSET_OFFSET);
        final int newOffsetWord = oldOffsetWord + ((ToaOption.LENGTH_IPV4 / 4) << 12);
        Bytes.u16(target, tcp + DATA_OFFSET_OFFSET, newOffsetWord);
        // The pseudo-header's TCP length grows by 8, the offset word changes, and four option words appear.
        int checksum = Bytes.u16(target, tcp + CHECKSUM_OFFSET);
        final int oldTcpLength = oldTotal - (int) (tcpOffset - ipOffset);
        checksum = Checksums.update16(checksum, oldTcpLength, oldTcpLength + ToaOption.LENGTH_IPV4);
        checksum = Checksums.update16(checksum, oldOffsetWord, newOffsetWord);
        checksum = Checksums.update16(checksum, 0, kindWord);
        checksum = Checksums.update16(checksum, 0, clientPort);
        checksum = Checksums.update32(checksum, 0, clientIp);
        Bytes.u16(target, tcp + CHECKSUM_OFFSET, checksum);
        return (int) (frameEnd - frameOffset) + ToaOption.LENGTH_IPV4;
    }

    /** Replaces the 16-bit value at header offset {@code at} (even), updating the checksum. */
    private static void replaceWordAt(final MemorySegment segment, final long tcpOffset, final int at, final int value) {
        if ((at & 1) == 0) {
            final int old = Bytes.u16(segment, tcpOffset + at);
            Bytes.u16(segment, tcpOffset + at, value);
            updateChecksum(segment, tcpOffset, old, value);
        } else {
            replaceByteAt(segment, tcpOffset, at, value >>> 8);
            replaceByteAt(segment, tcpOffset, at + 1, value & 0xff);
        }
    }

    /** Replaces one byte at header offset {@code at}, updating the checksum through its aligned 16-bit word. */
    private static void replaceByteAt(final MemorySegment segment, final long tcpOffset, final int at, final int value) {
        final long word = tcpOffset + (at & ~1);
        final int old = Bytes.u16(segment, word);
        Bytes.u8(segment, tcpOffset + at, value);
        updateChecksum(segment, tcpOffset, old, Bytes.u16(segment, word));
    }

    private static void updateChecksum(final MemorySegment segment, final long tcpOffset, final int oldWord, final int newWord) {
        final long at = tcpOffset + CHECKSUM_OFFSET;
        Bytes.u16(segment, at, Checksums.update16(Bytes.u16(segment, at), oldWord, newWord));
    }
}
