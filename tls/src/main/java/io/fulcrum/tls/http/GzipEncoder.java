package io.fulcrum.tls.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Streaming gzip (RFC 1952) over a raw {@link Deflater}, reused across the responses of one client connection and
 * released when it closes.
 */
final class GzipEncoder {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private boolean headerWritten;

    GzipEncoder(int level) {
        deflater = new Deflater(level, true);
    }

    void reset() {
        deflater.reset();
        crc.reset();
        headerWritten = false;
    }

    /** Compresses {@code in} (consumed) and returns what is ready, possibly empty. */
    ByteBuf encode(ByteBufAllocator alloc, ByteBuf in) {
        final ByteBuf out = alloc.buffer(Math.max(64, in.readableBytes() / 2 + 32));
        if (!headerWritten) {
            out.writeBytes(HEADER);
            headerWritten = true;
        }
        final ByteBuffer nio = in.nioBuffer();
        crc.update(nio.duplicate());
        deflater.setInput(nio);
        drain(out, Deflater.NO_FLUSH);
        in.skipBytes(in.readableBytes());
        return out;
    }

    /** Finishes the stream: remaining deflate output and the CRC/size trailer. */
    ByteBuf finish(ByteBufAllocator alloc) {
        final ByteBuf out = alloc.buffer(64);
        if (!headerWritten) {
            out.writeBytes(HEADER);
            headerWritten = true;
        }
        deflater.finish();
        while (!deflater.finished()) {
            out.ensureWritable(256);
            final ByteBuffer dst = out.nioBuffer(out.writerIndex(), out.writableBytes());
            final int n = deflater.deflate(dst);
            out.writerIndex(out.writerIndex() + n);
        }
        out.writeIntLE((int) crc.getValue());
        out.writeIntLE((int) deflater.getBytesRead());
        return out;
    }

    private void drain(ByteBuf out, int flush) {
        while (!deflater.needsInput()) {
            out.ensureWritable(1024);
            final ByteBuffer dst = out.nioBuffer(out.writerIndex(), out.writableBytes());
            final int n = deflater.deflate(dst, flush);
            out.writerIndex(out.writerIndex() + n);
            if (n == 0 && deflater.needsInput()) {
                break;
            }
        }
    }

    void close() {
        deflater.end();
    }
}
