package io.fulcrum.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;

/**
 * UDP request/response: a connected datagram socket sends a small datagram carrying a sequence number and
 * waits for the echo with the same number (stale echoes are ignored; a missing one is a timeout).
 */
final class UdpSession extends Session {
    private final InetSocketAddress target;
    private final ByteBuffer datagram;
    private DatagramChannel channel;
    private long sequence;

    UdpSession(final LoadWorker worker, final IntendedSchedule schedule, final InetSocketAddress target,
               final int payloadBytes) {
        super(worker, schedule);
        this.target = target;
        this.datagram = ByteBuffer.allocateDirect(payloadBytes);
        for (int i = 0; i < payloadBytes; i++) {
            datagram.put(i, (byte) 'u');
        }
    }

    @Override
    void begin(final long nowNs) {
        try {
            if (channel == null) {
                channel = DatagramChannel.open();
                channel.configureBlocking(false);
                channel.connect(target);
                channel.register(worker.selector, SelectionKey.OP_READ, this);
            }
            sequence++;
            datagram.clear();
            datagram.putLong(0, sequence);
            final int n = channel.write(datagram);
            worker.bytesSent += n;
        } catch (final IOException e) {
            fail(nowNs, LoadWorker.ERROR_IO);
        }
    }

    @Override
    void ready(final SelectionKey key, final long nowNs) {
        if (!key.isValid()) {
            return;
        }
        final ByteBuffer buffer = worker.readBuffer;
        try {
            for (int i = 0; i < 16; i++) {
                buffer.clear();
                final int n = channel.read(buffer);
                if (n <= 0) {
                    return;
                }
                worker.bytesReceived += n;
                if (busy && n >= 8 && buffer.getLong(0) == sequence) {
                    succeed(nowNs);
                    return; // nowNs is stale once the next request went out
                }
            }
        } catch (final IOException e) {
            // ICMP port unreachable and the like
            if (busy) {
                fail(nowNs, LoadWorker.ERROR_IO);
            } else {
                close();
            }
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
