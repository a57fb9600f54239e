package io.fulcrum.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The backend side of the scenarios nginx cannot serve: a TCP discard server (tcp-stream) and a UDP echo
 * server (udp). One selector thread; runs until killed or for {@code --seconds}.
 *
 * <pre>
 *   fulcrum-bench serve [--tcp-sink HOST:PORT]... [--udp-echo HOST:PORT]... [--seconds N]
 * </pre>
 */
public final class BenchServer implements AutoCloseable {
    private final Selector selector;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
    private long tcpBytes;
    private long udpDatagrams;

    /** Binds every listener; throws with the address on failure. */
    public BenchServer(final List<InetSocketAddress> tcpSinks, final List<InetSocketAddress> udpEchoes) throws IOException {
        selector = Selector.open();
        for (final InetSocketAddress a : tcpSinks) {
            final ServerSocketChannel server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            try {
                server.bind(a, 4096);
            } catch (final IOException e) {
                throw new IOException("cannot listen on tcp " + a + ": " + e.getMessage(), e);
            }
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        }
        for (final InetSocketAddress a : udpEchoes) {
            final DatagramChannel udp = DatagramChannel.open();
            udp.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            try {
                udp.bind(a);
            } catch (final IOException e) {
                throw new IOException("cannot bind udp " + a + ": " + e.getMessage(), e);
            }
            udp.configureBlocking(false);
            udp.register(selector, SelectionKey.OP_READ);
        }
    }

    /** Bytes received by the TCP sinks so far. */
    public long tcpBytes() {
        return tcpBytes;
    }

    /** Datagrams echoed so far. */
    public long udpDatagrams() {
        return udpDatagrams;
    }

    /** Serves until {@code deadlineNs} (nanoTime) or until the thread is interrupted. */
    public void serveUntil(final long deadlineNs) throws IOException {
        while (!Thread.currentThread().isInterrupted()) {
            final long left = deadlineNs - System.nanoTime();
            if (left <= 0) {
                return;
            }
            selector.select(this::onKey, Math.max(1, Math.min(100, left / 1_000_000L)));
        }
    }

    private void onKey(final SelectionKey key) {
        try {
            if (!key.isValid()) {
                return;
            }
            if (key.isAcceptable()) {
                final SocketChannel c = ((ServerSocketChannel) key.channel()).accept();
                if (c != null) {
                    c.configureBlocking(false);
                    c.register(selector, SelectionKey.OP_READ);
                }
            } else if (key.channel() instanceof DatagramChannel udp) {
                for (int i = 0; i < 64; i++) {
                    buffer.clear();
                    final SocketAddress from = udp.receive(buffer);
                    if (from == null) {
                        return;
                    }
                    buffer.flip();
                    udp.send(buffer, from);
                    udpDatagrams++;
                }
            } else {
                final SocketChannel c = (SocketChannel) key.channel();
                for (int i = 0; i < 16; i++) {
                    buffer.clear();
                    final int n = c.read(buffer);
                    if (n < 0) {
                        c.close();
                        return;
                    }
                    if (n == 0) {
                        return;
                    }
                    tcpBytes += n;
                }
            }
        } catch (final IOException e) {
            try {
                key.channel().close();
            } catch (final IOException ignored) {
                // closing a broken connection
            }
        }
    }

    @Override
    public void close() throws IOException {
        for (final SelectionKey k : selector.keys()) {
            k.channel().close();
        }
        selector.close();
    }

    /** {@code fulcrum-bench serve} entry point. */
    static int main(final String[] args) throws IOException {
        final List<InetSocketAddress> tcp = new ArrayList<>();
        final List<InetSocketAddress> udp = new ArrayList<>();
        double seconds = 3600;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tcp-sink" -> tcp.add(LoadOptions.address(arg(args, ++i), "--tcp-sink"));
                case "--udp-echo" -> udp.add(LoadOptions.address(arg(args, ++i), "--udp-echo"));
                case "--seconds" -> seconds = Double.parseDouble(arg(args, ++i));
                case "-h", "--help" -> {
                    System.out.println("usage: fulcrum-bench serve [--tcp-sink HOST:PORT]... [--udp-echo HOST:PORT]..."
                        + " [--seconds N (default 3600, at most 86400)]");
                    return 0;
                }
                default -> throw new IllegalArgumentException("serve: unknown option '" + args[i] + "'");
            }
        }
        if (tcp.isEmpty() && udp.isEmpty()) {
            throw new IllegalArgumentException("serve: give at least one --tcp-sink or --udp-echo");
        }
        if (!(seconds > 0 && seconds <= 86_400)) {
            throw new IllegalArgumentException("serve: --seconds must be in (0, 86400]");
        }
        try (BenchServer server = new BenchServer(tcp, udp)) {
            System.out.println("fulcrum-bench serve: ready (tcp sinks " + tcp + ", udp echoes " + udp + ")");
            System.out.flush();
            server.serveUntil(System.nanoTime() + (long) (seconds * 1e9));
            System.out.println("fulcrum-bench serve: done, tcp bytes " + server.tcpBytes() + ", udp datagrams "
                + server.udpDatagrams());
        }
        return 0;
    }

    private static String arg(final String[] args, final int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException("serve: option " + args[i - 1] + " needs a value");
        }
        return args[i];
    }
}
