package io.fulcrum.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * Bulk TCP upload: connects once, then writes the same buffer whenever the socket is writable. Each write
 * counts its bytes; the operation never completes (throughput only), a reset reconnects.
 */
final class StreamSession extends Session {
    private final InetSocketAddress target;
    private final ByteBuffer data;
    private SocketChannel channel;
    private boolean connecting;

    StreamSession(final LoadWorker worker, final IntendedSchedule schedule, final InetSocketAddress target,
                  final ByteBuffer sharedData) {
        super(worker, schedule);
        this.target = target;
        this.data = sharedData.duplicate();
    }

    @Override
    void begin(final long nowNs) {
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            connecting = !channel.connect(target);
            channel.register(worker.selector, connecting ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE, this);
        } catch (final IOException e) {
            fail(nowNs, LoadWorker.ERROR_CONNECT);
        }
    }

    @Override
    void ready(final SelectionKey key, final long nowNs) {
        if (!key.isValid() || !busy) {
            return;
        }
        if (connecting) {
            try {
                if (!channel.finishConnect()) {
                    return;
                }
            } catch (final IOException e) {
                fail(nowNs, LoadWorker.ERROR_CONNECT);
                return;
            }
            connecting = false;
            key.interestOps(SelectionKey.OP_WRITE);
        }
        // a stream never times out: keep its start fresh
        startedNs = nowNs;
        try {
            for (int i = 0; i < 16; i++) {
                if (!data.hasRemaining()) {
                    data.clear();
                }
                final int n = channel.write(data);
                if (n == 0) {
                    return;
                }
                worker.bytesSent += n;
                worker.completed += n;
            }
        } catch (final IOException e) {
            fail(nowNs, LoadWorker.ERROR_IO);
        }
    }

    @Override
    void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (final IOException ignored) {
                // already gone
            }
            channel = null;
        }
    }
}
