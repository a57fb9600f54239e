package io.fulcrum.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Drives every scenario against small servers on loopback and checks the counts add up. */
@Timeout(60)
class LoadGeneratorLoopbackTest {
    private static ServerSocket http;
    private static final AtomicLong HTTP_REQUESTS = new AtomicLong();
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        final Thread t = new Thread(r, "loopback-server");
        t.setDaemon(true);
        return t;
    });
    private static BenchServer bench;
    private static Thread benchThread;
    private static int sinkPort;
    private static int echoPort;

    @BeforeAll
    static void servers() throws IOException {
        http = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        POOL.execute(() -> {
            while (!http.isClosed()) {
                try {
                    final Socket s = http.accept();
                    POOL.execute(() -> serveHttp(s));
                } catch (final IOException e) {
                    return;
                }
            }
        });
        sinkPort = freePort();
        echoPort = freePort();
        bench = new BenchServer(List.of(new InetSocketAddress("127.0.0.1", sinkPort)),
            List.of(new InetSocketAddress("127.0.0.1", echoPort)));
        benchThread = Thread.ofPlatform().daemon(true).start(() -> {
            try {
                bench.serveUntil(System.nanoTime() + 55_000_000_000L);
            } catch (final IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Answers alternately with Content-Length and chunked bodies; honours Connection: close. */
    private static void serveHttp(final Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            final byte[] buf = new byte[4096];
            final StringBuilder head = new StringBuilder();
            long n = 0;
            while (true) {
                final int r = in.read(buf);
                if (r < 0) {
                    return;
                }
                head.append(new String(buf, 0, r, StandardCharsets.ISO_8859_1));
                int end;
                while ((end = head.indexOf("\r\n\r\n")) >= 0) {
                    final boolean close = head.substring(0, end).toLowerCase().contains("connection: close");
                    head.delete(0, end + 4);
                    HTTP_REQUESTS.incrementAndGet();
                    final String body = (n++ % 2 == 0)
                        ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                        : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
                    out.write(body.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (close) {
                        return;
                    }
                }
            }
        } catch (final IOException e) {
            // client went away
        }
    }

    @AfterAll
    static void stop() throws IOException {
        http.close();
        benchThread.interrupt();
        POOL.shutdownNow();
    }

    private static LoadResult run(final String... args) throws InterruptedException {
        return LoadGenerator.run(LoadOptions.parse(args), null);
    }

    @Test
    void keepAliveClosedLoopCountsEveryRequest() throws InterruptedException {
        final long before = HTTP_REQUESTS.get();
        final LoadResult r = run("--scenario", "http", "--target", "127.0.0.1:" + http.getLocalPort(), "-c", "8",
            "-d", "1", "--no-progress");
        assertThat(r.errorTotal()).isZero();
        assertThat(r.operations()).isGreaterThan(500);
        assertThat(HTTP_REQUESTS.get() - before).isGreaterThanOrEqualTo(r.operations());
        assertThat(r.histogram().getTotalCount()).isEqualTo(r.operations());
        assertThat(r.json()).contains("\"scenario\":\"http\"").contains("\"p99\":");
    }

    @Test
    void openLoopHoldsTheRate() throws InterruptedException {
        final LoadResult r = run("--scenario", "http", "--target", "127.0.0.1:" + http.getLocalPort(), "-c", "4",
            "-d", "2", "-R", "500", "--no-progress");
        assertThat(r.errorTotal()).isZero();
        assertThat(r.perSecond()).isBetween(400.0, 560.0);
        assertThat(r.json()).contains("\"mode\":\"open\"");
    }

    @Test
    void connectionPerRequestAndConnectScenarios() throws InterruptedException {
        final LoadResult close = run("--scenario", "http-close", "--target", "127.0.0.1:" + http.getLocalPort(), "-c", "4",
            "-d", "1", "--no-progress");
        assertThat(close.errorTotal()).isZero();
        assertThat(close.operations()).isGreaterThan(50);
        final LoadResult connect = run("--scenario", "tcp-connect", "--target", "127.0.0.1:" + sinkPort, "-c", "4",
            "-d", "1", "--no-progress");
        assertThat(connect.errorTotal()).isZero();
        assertThat(connect.operations()).isGreaterThan(50);
    }

    @Test
    void streamAndUdpEcho() throws InterruptedException {
        final LoadResult stream = run("--scenario", "tcp-stream", "--target", "127.0.0.1:" + sinkPort, "-c", "2",
            "-d", "1", "--no-progress");
        assertThat(stream.errorTotal()).isZero();
        assertThat(stream.operations()).isEqualTo(stream.bytesSent()).isGreaterThan(1_000_000);
        final LoadResult udp = run("--scenario", "udp", "--target", "127.0.0.1:" + echoPort, "-c", "8", "-d", "1",
            "--timeout-ms", "500", "--no-progress");
        assertThat(udp.operations()).isGreaterThan(500);
        assertThat(udp.errors()[LoadWorker.ERROR_TIMEOUT]).isLessThan(udp.operations() / 100 + 1);
        assertThat(udp.histogram().getValueAtPercentile(0)).isPositive();
    }

    @Test
    void refusedConnectionsAreCountedNotThrown() throws IOException, InterruptedException {
        final int closed = freePort();
        final LoadResult r = run("--scenario", "http", "--target", "127.0.0.1:" + closed, "-c", "2", "-d", "0.5",
            "--no-progress");
        assertThat(r.operations()).isZero();
        assertThat(r.errors()[LoadWorker.ERROR_CONNECT]).isPositive();
    }

    @Test
    void maxOperationsStopsEarly() throws InterruptedException {
        final long start = System.nanoTime();
        final LoadResult r = run("--scenario", "http", "--target", "127.0.0.1:" + http.getLocalPort(), "-c", "2",
            "-d", "30", "--max-ops", "200", "--no-progress");
        assertThat(r.operations()).isBetween(200L, 210L);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(20));
    }
}
