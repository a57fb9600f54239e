package io.fulcrum.control.protocol;

import static io.fulcrum.control.protocol.ControlMessageDescriptor.BODY_LENGTH_OFFSET;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.CHUNK_COUNT_OFFSET;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.CHUNK_INDEX_OFFSET;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.CHUNK_LENGTH_OFFSET;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.CODE_OFFSET;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.CORRELATION_ID_OFFSET;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.HEADER_LENGTH;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.MAX_BODY_LENGTH;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.PID_OFFSET;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.UID_OFFSET;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.VERSION;
import static io.fulcrum.control.protocol.ControlMessageDescriptor.VERSION_OFFSET;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.aeron.Publication;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Encodes and decodes the messages of {@link ControlMessageDescriptor}: request arguments, chunking of large
 * bodies, and reassembly of chunks on the receiving side. Control traffic is rare and small, so this allocates
 * freely; it never runs on a forwarder agent.
 */
public final class ControlCodec {
    private ControlCodec() {
    }

    /** A whole received message. */
    public record Frame(long correlationId, int version, int code, int uid, long pid, byte[] body) {
    }

    /** Encodes request arguments as the request body. */
    public static byte[] encodeArgs(final List<String> args) {
        final List<byte[]> encoded = new ArrayList<>(args.size());
        int length = 4;
        for (final String arg : args) {
            final byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            encoded.add(bytes);
            length += 4 + bytes.length;
        }
        final ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(args.size());
        for (final byte[] bytes : encoded) {
            buffer.putInt(bytes.length).put(bytes);
        }
        return buffer.array();
    }

    /**
     * Decodes request arguments.
     *
     * @throws IllegalArgumentException when the body is not a well-formed argument list
     */
    public static List<String> decodeArgs(final byte[] body) {
        final ByteBuffer buffer = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        if (buffer.remaining() < 4) {
            throw new IllegalArgumentException("request body is shorter than its argument count");
        }
        final int count = buffer.getInt();
        if (count < 0 || count > body.length / 4) {
            throw new IllegalArgumentException("request has a bad argument count " + count);
        }
        final List<String> args = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (buffer.remaining() < 4) {
                throw new IllegalArgumentException("request argument " + i + " is truncated");
            }
            final int length = buffer.getInt();
            if (length < 0 || length > buffer.remaining()) {
                throw new IllegalArgumentException("request argument " + i + " has a bad length " + length);
            }
            args.add(new String(body, buffer.position(), length, StandardCharsets.UTF_8));
            buffer.position(buffer.position() + length);
        }
        if (buffer.hasRemaining()) {
            throw new IllegalArgumentException("request has " + buffer.remaining() + " bytes after its arguments");
        }
        return args;
    }

    /**
     * Sends one message as chunks that fit the publication's largest message, retrying back-pressure until the
     * deadline. {@code idle} runs between retries (the node invokes its media driver there).
     *
     * @return null when sent, otherwise why not
     */
    public static String send(final Publication publication, final long correlationId, final int code, final int uid,
                              final long pid, final byte[] body, final long deadlineNs, final Runnable idle) {
        final int chunkCapacity = publication.maxMessageLength() - HEADER_LENGTH;
        final int chunkCount = Math.max(1, (body.length + chunkCapacity - 1) / chunkCapacity);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[HEADER_LENGTH + Math.min(chunkCapacity, body.length)]);
        for (int chunk = 0; chunk < chunkCount; chunk++) {
            final int offset = chunk * chunkCapacity;
            final int length = Math.min(chunkCapacity, body.length - offset);
            buffer.putLong(CORRELATION_ID_OFFSET, correlationId);
            buffer.putShort(VERSION_OFFSET, (short) VERSION);
            buffer.putShort(CODE_OFFSET, (short) code);
            buffer.putInt(UID_OFFSET, uid);
            buffer.putLong(PID_OFFSET, pid);
            buffer.putInt(CHUNK_INDEX_OFFSET, chunk);
            buffer.putInt(CHUNK_COUNT_OFFSET, chunkCount);
            buffer.putInt(BODY_LENGTH_OFFSET, body.length);
            buffer.putInt(CHUNK_LENGTH_OFFSET, length);
            buffer.putBytes(HEADER_LENGTH, body, offset, length);
            while (true) {
                final long result = publication.offer(buffer, 0, HEADER_LENGTH + length);
                if (result > 0) {
                    break;
                }
                if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                    return "the channel is closed";
                }
                if (System.nanoTime() - deadlineNs > 0) {
                    return result == Publication.NOT_CONNECTED ? "nobody is listening on the control channel"
                        : "the control channel stayed back-pressured";
                }
                idle.run();
            }
        }
        return null;
    }

    /**
     * Reassembles chunked messages, per correlation id, from one subscription. Bounded: at most
     * {@link #MAX_PENDING} messages in flight, each at most {@link ControlMessageDescriptor#MAX_BODY_LENGTH}.
     */
    public static final class Assembler {
        static final int MAX_PENDING = 16;

        private final Map<Long, Pending> pending = new LinkedHashMap<>();

        private static final class Pending {
            final byte[] body;
            final int chunkCount;
            int nextChunk;
            int filled;

            Pending(final int bodyLength, final int chunkCount) {
                this.body = new byte[bodyLength];
                this.chunkCount = chunkCount;
            }
        }

        /** What one fragment completed. */
        public sealed interface Result permits Complete, Broken, Partial {
        }

        /** A whole message. */
        public record Complete(Frame frame) implements Result {
        }

        /** A malformed message; answer it with the reason if the correlation id is known (>= 0 ... any long). */
        public record Broken(long correlationId, boolean hasCorrelationId, String reason) implements Result {
        }

        /** More chunks to come. */
        public record Partial() implements Result {
        }

        private static final Partial PARTIAL = new Partial();

        /** Takes one received fragment (a whole Aeron message). */
        public Result onMessage(final DirectBuffer buffer, final int offset, final int length) {
            if (length < HEADER_LENGTH) {
                final boolean hasId = length >= 8;
                return new Broken(hasId ? buffer.getLong(offset + CORRELATION_ID_OFFSET) : 0, hasId,
                    "message of " + length + " bytes is shorter than the " + HEADER_LENGTH + "-byte header");
            }
            final long correlationId = buffer.getLong(offset + CORRELATION_ID_OFFSET);
            final int version = buffer.getShort(offset + VERSION_OFFSET) & 0xFFFF;
            if (version != VERSION) {
                pending.remove(correlationId);
                return new Broken(correlationId, true, "protocol version " + version + " is not spoken here (this node: "
                    + VERSION + ")");
            }
            final int chunkIndex = buffer.getInt(offset + CHUNK_INDEX_OFFSET);
            final int chunkCount = buffer.getInt(offset + CHUNK_COUNT_OFFSET);
            final int bodyLength = buffer.getInt(offset + BODY_LENGTH_OFFSET);
            final int chunkLength = buffer.getInt(offset + CHUNK_LENGTH_OFFSET);
            if (bodyLength < 0 || bodyLength > MAX_BODY_LENGTH) {
                pending.remove(correlationId);
                return new Broken(correlationId, true, "body of " + bodyLength + " bytes is larger than the "
                    + MAX_BODY_LENGTH + " bytes allowed");
            }
            if (chunkCount < 1 || chunkIndex < 0 || chunkIndex >= chunkCount || chunkLength < 0
                || chunkLength != length - HEADER_LENGTH) {
                pending.remove(correlationId);
                return new Broken(correlationId, true, "chunk " + chunkIndex + "/" + chunkCount + " has a bad length");
            }
            Pending p = pending.get(correlationId);
            if (chunkIndex == 0) {
                if (p == null && pending.size() >= MAX_PENDING) {
                    return new Broken(correlationId, true, "too many requests in flight; try again");
                }
                p = new Pending(bodyLength, chunkCount);
                pending.put(correlationId, p);
            }
            if (p == null || p.nextChunk != chunkIndex || p.chunkCount != chunkCount || p.body.length != bodyLength
                || p.filled + chunkLength > bodyLength) {
                pending.remove(correlationId);
                return new Broken(correlationId, true, "chunk " + chunkIndex + "/" + chunkCount + " arrived out of order");
            }
            buffer.getBytes(offset + HEADER_LENGTH, p.body, p.filled, chunkLength);
            p.filled += chunkLength;
            p.nextChunk++;
            if (p.nextChunk < chunkCount) {
                return PARTIAL;
            }
            pending.remove(correlationId);
            if (p.filled != bodyLength) {
                return new Broken(correlationId, true, "message ended after " + p.filled + " of " + bodyLength + " bytes");
            }
            return new Complete(new Frame(correlationId, version, buffer.getShort(offset + CODE_OFFSET) & 0xFFFF,
                buffer.getInt(offset + UID_OFFSET), buffer.getLong(offset + PID_OFFSET), p.body));
        }

        /** Forgets partial messages of this correlation id (the sender gave up). */
        public void forget(final long correlationId) {
            pending.remove(correlationId);
        }

        /** Messages waiting for more chunks. */
        public int pendingCount() {
            return pending.size();
        }
    }
}
