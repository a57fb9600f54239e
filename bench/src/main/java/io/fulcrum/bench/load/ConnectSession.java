package io.fulcrum.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * TCP connect, then close at once: one operation per handshake. Each connection is a new socket (the JDK
 * allocates a channel and a key per connection; nothing else is allocated).
 */
final class ConnectSession extends Session {
    private final InetSocketAddress target;
    private SocketChannel channel;

    ConnectSession(final LoadWorker worker, final IntendedSchedule schedule, final InetSocketAddress target) {
        super(worker, schedule);
        this.target = target;
    }

    @Override
    void begin(final long nowNs) {
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            if (channel.connect(target)) {
                done(nowNs);
                return;
            }
            channel.register(worker.selector, SelectionKey.OP_CONNECT, this);
        } catch (final IOException e) {
            fail(nowNs, LoadWorker.ERROR_CONNECT);
        }
    }

    @Override
    void ready(final SelectionKey key, final long nowNs) {
        if (!key.isValid() || !busy) {
            return;
        }
        try {
            if (channel.finishConnect()) {
                done(nowNs);
            }
        } catch (final IOException e) {
            fail(nowNs, LoadWorker.ERROR_CONNECT);
        }
    }

    private void done(final long nowNs) {
        close();
        succeed(nowNs);
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
