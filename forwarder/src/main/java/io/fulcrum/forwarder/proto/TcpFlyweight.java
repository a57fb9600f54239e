package io.fulcrum.forwarder.proto;

import java.lang.foreign.MemorySegment;

/**
 * TCP header (RFC 9293), the fields the L4 stages need.
 *
 * <pre>
 *   0                 16                32
 *   +-----------------+-----------------+
 *   | source port     | dest port       |  0
 *   +-----------------+-----------------+
 *   | sequence number                   |  4
 *   +-----------------------------------+
 *   | acknowledgment number             |  8
 *   +----+------+-----+-----------------+
 *   |doff| rsvd |flags| window          | 12
 *   +----+------+-----+-----------------+
 *   | checksum        | urgent pointer  | 16
 *   +-----------------+-----------------+
 *   | options (doff &gt; 5) ...           | 20
 * </pre>
 */
public final class TcpFlyweight {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int FLAG_FIN = 0x01;
    public static final int FLAG_SYN = 0x02;
    public static final int FLAG_RST = 0x04;
    public static final int FLAG_PSH = 0x08;
    public static final int FLAG_ACK = 0x10;
    private static final int SOURCE_PORT_OFFSET = 0;
    private static final int DESTINATION_PORT_OFFSET = 2;
    private static final int SEQUENCE_OFFSET = 4;
    private static final int ACKNOWLEDGMENT_OFFSET = 8;
    private static final int DATA_OFFSET_OFFSET = 12;
    private static final int FLAGS_OFFSET = 13;
    private static final int WINDOW_OFFSET = 14;

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    public TcpFlyweight wrap(final MemorySegment segment, final long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public int sourcePort() {
        return Bytes.u16(segment, offset + SOURCE_PORT_OFFSET);
    }

    public TcpFlyweight sourcePort(final int port) {
        Bytes.u16(segment, offset + SOURCE_PORT_OFFSET, port);
        return this;
    }

    public int destinationPort() {
        return Bytes.u16(segment, offset + DESTINATION_PORT_OFFSET);
    }

    public TcpFlyweight destinationPort(final int port) {
        Bytes.u16(segment, offset + DESTINATION_PORT_OFFSET, port);
        return this;
    }

    public int sequence() {
        return Bytes.i32(segment, offset + SEQUENCE_OFFSET);
    }

    public TcpFlyweight sequence(final int sequence) {
        Bytes.i32(segment, offset + SEQUENCE_OFFSET, sequence);
        return this;
    }

    public int acknowledgment() {
        return Bytes.i32(segment, offset + ACKNOWLEDGMENT_OFFSET);
    }

    public TcpFlyweight acknowledgment(final int acknowledgment) {
        Bytes.i32(segment, offset + ACKNOWLEDGMENT_OFFSET, acknowledgment);
        return this;
    }

    /** The header length in bytes (data offset * 4). */
    public int headerLength() {
        return (Bytes.u8(segment, offset + DATA_OFFSET_OFFSET) >>> 4) << 2;
    }

    public TcpFlyweight headerLength(final int length) {
        Bytes.u8(segment, offset + DATA_OFFSET_OFFSET, (length >>> 2) << 4);
        return this;
    }

    public int flags() {
        return Bytes.u8(segment, offset + FLAGS_OFFSET);
    }

    public TcpFlyweight flags(final int flags) {
        Bytes.u8(segment, offset + FLAGS_OFFSET, flags);
        return this;
    }

    public int window() {
        return Bytes.u16(segment, offset + WINDOW_OFFSET);
    }

    public TcpFlyweight window(final int window) {
        Bytes.u16(segment, offset + WINDOW_OFFSET, window);
        return this;
    }

    public int checksum() {
        return Bytes.u16(segment, offset + CHECKSUM_OFFSET);
    }

    public TcpFlyweight checksum(final int checksum) {
        Bytes.u16(segment, offset + CHECKSUM_OFFSET, checksum);
        return this;
    }
}
