package io.fulcrum.forwarder.proto;

import java.lang.foreign.MemorySegment;

/**
 * ICMP header (RFC 792) with the echo request/reply fields, positioned after the IPv4 header.
 *
 * <pre>
 *   0        8        16                32
 *   +--------+--------+-----------------+
 *   | type   | code   | checksum        |  0
 *   +--------+--------+-----------------+
 *   | identifier      | sequence        |  4   (echo request 8 / echo reply 0)
 *   +-----------------+-----------------+
 *   | data ...                          |  8
 * </pre>
 * The checksum covers the whole ICMP message (no pseudo-header).
 */
public final class IcmpFlyweight {
    public static final int HEADER_LENGTH = 8;
    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_TIME_EXCEEDED = 11;
    /** Destination unreachable code: port unreachable. */
    public static final int CODE_PORT_UNREACHABLE = 3;
    /** Destination unreachable code: fragmentation needed and DF set (RFC 1191). */
    public static final int CODE_FRAGMENTATION_NEEDED = 4;
    public static final int CHECKSUM_OFFSET = 2;
    private static final int TYPE_OFFSET = 0;
    private static final int CODE_OFFSET = 1;
    private static final int IDENTIFIER_OFFSET = 4;
    private static final int SEQUENCE_OFFSET = 6;

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    public IcmpFlyweight wrap(final MemorySegment segment, final long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public int type() {
        return Bytes.u8(segment, offset + TYPE_OFFSET);
    }

    public IcmpFlyweight type(final int type) {
        Bytes.u8(segment, offset + TYPE_OFFSET, type);
        return this;
    }

    public int code() {
        return Bytes.u8(segment, offset + CODE_OFFSET);
    }

    public IcmpFlyweight code(final int code) {
        Bytes.u8(segment, offset + CODE_OFFSET, code);
        return this;
    }

    /** The type and code as one 16-bit word, as the checksum sees them. */
    public int typeCodeWord() {
        return Bytes.u16(segment, offset + TYPE_OFFSET);
    }

    public int checksum() {
        return Bytes.u16(segment, offset + CHECKSUM_OFFSET);
    }

    public IcmpFlyweight checksum(final int checksum) {
        Bytes.u16(segment, offset + CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int identifier() {
        return Bytes.u16(segment, offset + IDENTIFIER_OFFSET);
    }

    public IcmpFlyweight identifier(final int identifier) {
        Bytes.u16(segment, offset + IDENTIFIER_OFFSET, identifier);
        return this;
    }

    public int sequence() {
        return Bytes.u16(segment, offset + SEQUENCE_OFFSET);
    }

    public IcmpFlyweight sequence(final int sequence) {
        Bytes.u16(segment, offset + SEQUENCE_OFFSET, sequence);
        return this;
    }

    /** True if the checksum over the {@code messageLength}-byte message verifies. */
    public boolean isChecksumValid(final int messageLength) {
        return Checksums.fold(Checksums.sum(segment, offset, messageLength, 0L)) == 0xffff;
    }

    /** Recomputes the checksum over the {@code messageLength}-byte message. */
    public IcmpFlyweight updateChecksum(final int messageLength) {
        checksum(0);
        checksum(Checksums.complement(Checksums.sum(segment, offset, messageLength, 0L)));
        return this;
    }
}
