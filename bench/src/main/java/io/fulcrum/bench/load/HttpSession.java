package io.fulcrum.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * HTTP/1.1 GET over TCP: keep-alive (the connection stays open between requests) or one request per
 * connection. The request bytes are prepared once; the response is skipped by {@link HttpResponseParser}.
 */
final class HttpSession extends Session {
    private final InetSocketAddress target;
    private final ByteBuffer request;
    private final boolean keepAlive;
    private final HttpResponseParser parser = new HttpResponseParser();
    private SocketChannel channel;
    private SelectionKey key;
    private boolean connecting;

    HttpSession(final LoadWorker worker, final IntendedSchedule schedule, final InetSocketAddress target,
                final ByteBuffer sharedRequest, final boolean keepAlive) {
        super(worker, schedule);
        this.target = target;
        this.request = sharedRequest.duplicate();
        this.keepAlive = keepAlive;
    }

    @Override
    void begin(final long nowNs) {
        parser.reset();
        request.clear();
        if (channel == null) {
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                connecting = !channel.connect(target);
                key = channel.register(worker.selector, connecting ? SelectionKey.OP_CONNECT : SelectionKey.OP_READ, this);
            } catch (final IOException e) {
                fail(nowNs, LoadWorker.ERROR_CONNECT);
                return;
            }
            if (connecting) {
                return;
            }
        }
        send(nowNs);
    }

    private void send(final long nowNs) {
        try {
            final int n = channel.write(request);
            worker.bytesSent += n;
            if (request.hasRemaining()) {
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        } catch (final IOException e) {
            fail(nowNs, LoadWorker.ERROR_IO);
        }
    }

    @Override
    void ready(final SelectionKey k, final long nowNs) {
        if (!k.isValid() || !busy) {
            if (k.isValid() && k.isReadable()) {
                drainIdle(nowNs);
            }
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
            k.interestOps(SelectionKey.OP_READ);
            send(nowNs);
            return;
        }
        if (k.isWritable() && request.hasRemaining()) {
            send(nowNs);
            if (!busy) {
                return;
            }
            if (!request.hasRemaining()) {
                k.interestOps(SelectionKey.OP_READ);
            }
        }
        if (k.isReadable()) {
            read(nowNs);
        }
    }

    private void read(final long nowNs) {
        final ByteBuffer buffer = worker.readBuffer;
        while (true) {
            buffer.clear();
            final int n;
            try {
                n = channel.read(buffer);
            } catch (final IOException e) {
                fail(nowNs, LoadWorker.ERROR_IO);
                return;
            }
            if (n == 0) {
                return;
            }
            if (n < 0) {
                if (parser.endOfInput() == HttpResponseParser.COMPLETE) {
                    finish(nowNs, true);
                } else {
                    fail(nowNs, LoadWorker.ERROR_IO);
                }
                return;
            }
            worker.bytesReceived += n;
            final int r = parser.feed(buffer, 0, n);
            if (r == HttpResponseParser.COMPLETE) {
                finish(nowNs, !keepAlive || parser.connectionClose());
                return;
            }
            if (r == HttpResponseParser.ERROR) {
                fail(nowNs, LoadWorker.ERROR_PROTOCOL);
                return;
            }
            if (n < buffer.capacity()) {
                return;
            }
        }
    }

    private void finish(final long nowNs, final boolean closeAfter) {
        final int status = parser.status();
        if (closeAfter) {
            close();
        }
        if (status >= 200 && status < 400) {
            succeed(nowNs);
        } else {
            busy = false;
            worker.error(LoadWorker.ERROR_STATUS);
        }
    }

    /** Data or EOF on an idle keep-alive connection: the server closed it; reconnect on the next request. */
    private void drainIdle(final long nowNs) {
        final ByteBuffer buffer = worker.readBuffer;
        buffer.clear();
        try {
            if (channel.read(buffer) != 0) {
                close();
            }
        } catch (final IOException e) {
            close();
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
            key = null;
            connecting = false;
        }
    }
}
