package io.fulcrum.forwarder.proto;

import java.lang.foreign.MemorySegment;

/**
 * UDP header (RFC 768).
 *
 * <pre>
 *   0                 16                32
 *   +-----------------+-----------------+
 *   | source port     | dest port       |  0
 *   +-----------------+-----------------+
 *   | length          | checksum        |  4   (checksum 0 = none)
 *   +-----------------+-----------------+
 * </pre>
 */
public final class UdpFlyweight {
    public static final int HEADER_LENGTH = 8;
    public static final int CHECKSUM_OFFSET = 6;
    private static final int SOURCE_PORT_OFFSET = 0;
    private static final int DESTINATION_PORT_OFFSET = 2;
    private static final int LENGTH_OFFSET = 4;

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    public UdpFlyweight wrap(final MemorySegment segment, final long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public int sourcePort() {
        return Bytes.u16(segment, offset + SOURCE_PORT_OFFSET);
    }

    public UdpFlyweight sourcePort(final int port) {
        Bytes.u16(segment, offset + SOURCE_PORT_OFFSET, port);
        return this;
    }

    public int destinationPort() {
        return Bytes.u16(segment, offset + DESTINATION_PORT_OFFSET);
    }

    public UdpFlyweight destinationPort(final int port) {
        Bytes.u16(segment, offset + DESTINATION_PORT_OFFSET, port);
        return this;
    }

    public int length() {
        return Bytes.u16(segment, offset + LENGTH_OFFSET);
    }

    public UdpFlyweight length(final int length) {
        Bytes.u16(segment, offset + LENGTH_OFFSET, length);
        return this;
    }

    public int checksum() {
        return Bytes.u16(segment, offset + CHECKSUM_OFFSET);
    }

    public UdpFlyweight checksum(final int checksum) {
        Bytes.u16(segment, offset + CHECKSUM_OFFSET, checksum);
        return this;
    }
}
