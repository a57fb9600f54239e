package io.fulcrum.control.protocol;

/**
 * Layout of the control channel's messages. Requests go from clients to the node on
 * {@link #REQUEST_STREAM_ID}, responses from the node to every client on {@link #RESPONSE_STREAM_ID}; a client
 * keeps the responses whose correlation id it chose (ids come from the media driver's
 * {@code Aeron.nextCorrelationId()}, unique across clients). A message larger than one chunk is sent as
 * {@code chunkCount} consecutive chunks on the same publication, reassembled by correlation id. All integers are
 * little-endian (Agrona buffer order).
 *
 * <pre>
 *   0                               8               10              12              16
 *   +-------------------------------+---------------+---------------+---------------+
 *   | correlation id (i64)          | version (u16) | code (u16)    | uid (i32)     |
 *   +-------------------------------+---------------+---------------+---------------+
 *   16                              24              28              32              36              40
 *   +-------------------------------+---------------+---------------+---------------+---------------+
 *   | pid (i64)                     | chunk index   | chunk count   | body length   | chunk length  |
 *   +-------------------------------+---------------+---------------+---------------+---------------+
 *   40
 *   +-------------------------------------------------------------------------------------------------
 *   | chunk bytes: body[chunkIndex * chunkCapacity, + chunk length)
 *   +-------------------------------------------------------------------------------------------------
 * </pre>
 * {@code code} is the {@link Opcode} of a request or the {@link ResponseStatus} of a response; {@code uid} and
 * {@code pid} are the caller's in a request and 0 in a response. The request body is a list of arguments:
 * {@code count (i32)} then, per argument, {@code length (i32)} and that many UTF-8 bytes. The response body is
 * UTF-8 text: the command's output on success, the reason otherwise.
 */
public final class ControlMessageDescriptor {
    /** The only version this build speaks; other versions are answered with {@link ResponseStatus#ERROR}. */
    public static final int VERSION = 1;
    public static final int REQUEST_STREAM_ID = 0x46_43_01;
    public static final int RESPONSE_STREAM_ID = 0x46_43_02;

    public static final int CORRELATION_ID_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int CODE_OFFSET = 10;
    public static final int UID_OFFSET = 12;
    public static final int PID_OFFSET = 16;
    public static final int CHUNK_INDEX_OFFSET = 24;
    public static final int CHUNK_COUNT_OFFSET = 28;
    public static final int BODY_LENGTH_OFFSET = 32;
    public static final int CHUNK_LENGTH_OFFSET = 36;
    public static final int HEADER_LENGTH = 40;

    /** Largest body accepted (a configuration file with large ACLs fits easily). */
    public static final int MAX_BODY_LENGTH = 16 << 20;

    private ControlMessageDescriptor() {
    }
}
