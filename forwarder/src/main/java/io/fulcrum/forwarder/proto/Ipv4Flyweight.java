package io.fulcrum.forwarder.proto;

import java.lang.foreign.MemorySegment;

/**
 * IPv4 header (RFC 791), positioned after the Ethernet header.
 *
 * <pre>
 *   0       4       8               16    19                        32
 *   +-------+-------+---------------+-------------------------------+
 *   |version|  IHL  |   DSCP/ECN    |         total length          |  0
 *   +-------+-------+---------------+-----+-------------------------+
 *   |        identification         |flags|    fragment offset      |  4
 *   +---------------+---------------+-----+-------------------------+
 *   |      TTL      |   protocol    |       header checksum         |  8
 *   +---------------+---------------+-------------------------------+
 *   |                        source address                         | 12
 *   +---------------------------------------------------------------+
 *   |                      destination address                      | 16
 *   +---------------------------------------------------------------+
 *   |                 options (IHL &gt; 5), padded to 32 bits          | 20
 *   +---------------------------------------------------------------+
 * </pre>
 * Addresses are ints in network order (198.18.0.1 is {@code 0xc6120001}).
 */
public final class Ipv4Flyweight {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;
    /** The "more fragments" flag in the flags/offset word. */
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    /** The "don't fragment" flag in the flags/offset word. */
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;

    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int TTL_OFFSET = 8;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    private static final int VERSION_IHL_OFFSET = 0;
    private static final int TOS_OFFSET = 1;
    private static final int IDENTIFICATION_OFFSET = 4;
    private static final int FLAGS_FRAGMENT_OFFSET = 6;
    private static final int PROTOCOL_OFFSET = 9;

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    public Ipv4Flyweight wrap(final MemorySegment segment, final long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }

    public int version() {
        return Bytes.u8(segment, offset + VERSION_IHL_OFFSET) >>> 4;
    }

    /** The header length in 32-bit words. */
    public int ihl() {
        return Bytes.u8(segment, offset + VERSION_IHL_OFFSET) & 0xf;
    }

    /** The header length in bytes. */
    public int headerLength() {
        return ihl() << 2;
    }

    /** Sets version 4 and the header length in bytes (a multiple of 4, 20..60). */
    public Ipv4Flyweight versionAndHeaderLength(final int headerLength) {
        Bytes.u8(segment, offset + VERSION_IHL_OFFSET, 0x40 | (headerLength >>> 2));
        return this;
    }

    public int tos() {
        return Bytes.u8(segment, offset + TOS_OFFSET);
    }

    public Ipv4Flyweight tos(final int tos) {
        Bytes.u8(segment, offset + TOS_OFFSET, tos);
        return this;
    }

    public int totalLength() {
        return Bytes.u16(segment, offset + TOTAL_LENGTH_OFFSET);
    }

    public Ipv4Flyweight totalLength(final int length) {
        Bytes.u16(segment, offset + TOTAL_LENGTH_OFFSET, length);
        return this;
    }

    public int identification() {
        return Bytes.u16(segment, offset + IDENTIFICATION_OFFSET);
    }

    public Ipv4Flyweight identification(final int id) {
        Bytes.u16(segment, offset + IDENTIFICATION_OFFSET, id);
        return this;
    }

    /** The flags (top 3 bits) and fragment offset (low 13 bits, in 8-byte units) word. */
    public int flagsAndFragmentOffset() {
        return Bytes.u16(segment, offset + FLAGS_FRAGMENT_OFFSET);
    }

    public Ipv4Flyweight flagsAndFragmentOffset(final int value) {
        Bytes.u16(segment, offset + FLAGS_FRAGMENT_OFFSET, value);
        return this;
    }

    /** True if this is a fragment: more-fragments set or a non-zero offset. */
    public boolean isFragment() {
        return (flagsAndFragmentOffset() & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl() {
        return Bytes.u8(segment, offset + TTL_OFFSET);
    }

    public Ipv4Flyweight ttl(final int ttl) {
        Bytes.u8(segment, offset + TTL_OFFSET, ttl);
        return this;
    }

    public int protocol() {
        return Bytes.u8(segment, offset + PROTOCOL_OFFSET);
    }

    public Ipv4Flyweight protocol(final int protocol) {
        Bytes.u8(segment, offset + PROTOCOL_OFFSET, protocol);
        return this;
    }

    public int checksum() {
        return Bytes.u16(segment, offset + CHECKSUM_OFFSET);
    }

    public Ipv4Flyweight checksum(final int checksum) {
        Bytes.u16(segment, offset + CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int source() {
        return Bytes.i32(segment, offset + SOURCE_OFFSET);
    }

    public Ipv4Flyweight source(final int address) {
        Bytes.i32(segment, offset + SOURCE_OFFSET, address);
        return this;
    }

    public int destination() {
        return Bytes.i32(segment, offset + DESTINATION_OFFSET);
    }

    public Ipv4Flyweight destination(final int address) {
        Bytes.i32(segment, offset + DESTINATION_OFFSET, address);
        return this;
    }

    /** True if the header checksum over {@link #headerLength()} bytes verifies. */
    public boolean isChecksumValid() {
        return Checksums.fold(Checksums.sum(segment, offset, headerLength(), 0L)) == 0xffff;
    }

    /** Recomputes the header checksum over {@link #headerLength()} bytes. */
    public Ipv4Flyweight updateChecksum() {
        checksum(0);
        checksum(Checksums.complement(Checksums.sum(segment, offset, headerLength(), 0L)));
        return this;
    }

    /** The offset of the L4 header. */
    public long payloadOffset() {
        return offset + headerLength();
    }
}
