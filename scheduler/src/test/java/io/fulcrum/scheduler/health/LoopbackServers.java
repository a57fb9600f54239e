package io.fulcrum.scheduler.health;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** Small blocking servers on 127.0.0.1 for health-check tests; each runs one daemon thread and closes cleanly. */
final class LoopbackServers {
    private LoopbackServers() {
    }

    /** Accepts connections and records, per connection, whether the peer reset it or closed it without data. */
    static final class TcpServer implements AutoCloseable {
        final ServerSocket socket;
        final ConcurrentLinkedQueue<String> endings = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<InetAddress> peers = new ConcurrentLinkedQueue<>();

        TcpServer(final int port) throws IOException {
            socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
            Thread.ofPlatform().daemon().start(this::acceptLoop);
        }

        int port() {
            return socket.getLocalPort();
        }

        private void acceptLoop() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    peers.add(s.getInetAddress());
                    s.setSoTimeout(2000);
                    try {
                        endings.add(s.getInputStream().read() < 0 ? "fin" : "data");
                    } catch (final IOException e) {
                        endings.add(e.getMessage() != null && e.getMessage().contains("reset") ? "rst" : e.getMessage());
                    }
                } catch (final IOException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Answers every request with the current status; a negative status means accept and never answer. */
    static final class HttpServer implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger status = new AtomicInteger(200);
        final ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();

        HttpServer(final ServerSocket socket) {
            this.socket = socket;
            Thread.ofPlatform().daemon().start(this::acceptLoop);
        }

        static HttpServer plain() throws IOException {
            return new HttpServer(new ServerSocket(0, 128, InetAddress.getLoopbackAddress()));
        }

        int port() {
            return socket.getLocalPort();
        }

        private void acceptLoop() {
            while (!socket.isClosed()) {
                try {
                    final Socket s = socket.accept();
                    Thread.ofPlatform().daemon().start(() -> serve(s));
                } catch (final IOException e) {
                    return;
                }
            }
        }

        private void serve(final Socket s) {
            try (s) {
                s.setSoTimeout(5000);
                final InputStream in = s.getInputStream();
                final StringBuilder head = new StringBuilder();
                int c;
                while ((c = in.read()) >= 0) {
                    head.append((char) c);
                    if (head.toString().endsWith("\r\n\r\n")) {
                        break;
                    }
                }
                requests.add(head.toString());
                final int code = status.get();
                if (code < 0) {
                    Thread.sleep(5000);
                    return;
                }
                final OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 " + code + " Test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (final IOException | InterruptedException e) {
                // The probe closed first (RST) or the test ended; nothing to do.
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
