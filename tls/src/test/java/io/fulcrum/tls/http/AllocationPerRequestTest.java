package io.fulcrum.tls.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.fulcrum.tls.testing.TestBackend;
import io.netty.util.ResourceLeakDetector;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Heap allocated by the stage's event loops per proxied keep-alive request, measured with the JVM's per-thread
 * allocation counters over many requests after a warm-up. About 260 bytes today (docs/l7.md, "Allocation"): the
 * request's method/target/host strings (routing and the access log), Netty's retained duplicate and slice wrappers
 * and io_uring's submission objects. The bound catches a regression to per-request buffers or codec objects (a
 * copied head or an aggregated body would be kilobytes).
 */
class AllocationPerRequestTest {
    private static final int WARMUP = 10_000;
    private static final int MEASURED = 10_000;

    @Test
    void keepAliveRequestsAllocateLittleOnTheEventLoops() throws Exception {
        // the build runs tests with paranoid leak detection, whose records (a stack trace per buffer access) would be
        // all this measures
        final ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try (TestBackend backend = new TestBackend("b1");
             ProxyFixture proxy = ProxyFixture.start(ProxyFixture.group("g", backend), s -> s)) {
            final byte[] request = ("GET /alloc HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: t\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            try (Socket s = new Socket(proxy.address.getAddress(), proxy.address.getPort())) {
                s.setSoTimeout(5_000);
                s.setTcpNoDelay(true);
                final OutputStream out = s.getOutputStream();
                final InputStream in = s.getInputStream();
                final byte[] buf = new byte[16 * 1024];
                exchange(out, in, request, buf, WARMUP);
                final long before = eventLoopAllocatedBytes();
                exchange(out, in, request, buf, MEASURED);
                final long perRequest = (eventLoopAllocatedBytes() - before) / MEASURED;
                System.out.println("event-loop bytes allocated per keep-alive request: " + perRequest);
                assertThat(perRequest).isLessThan(1_024);
            }
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    private static void exchange(OutputStream out, InputStream in, byte[] request, byte[] buf, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            out.write(request);
            out.flush();
            readResponse(in, buf);
        }
    }

    /** Reads one response with a Content-Length body. */
    private static void readResponse(InputStream in, byte[] buf) throws Exception {
        int have = 0;
        int headEnd = -1;
        while (headEnd < 0) {
            final int r = in.read(buf, have, buf.length - have);
            if (r < 0) {
                throw new IllegalStateException("closed");
            }
            have += r;
            for (int i = 3; i < have; i++) {
                if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n') {
                    headEnd = i + 1;
                    break;
                }
            }
        }
        final String head = new String(buf, 0, headEnd, StandardCharsets.US_ASCII).toLowerCase();
        final int cl = head.indexOf("content-length:");
        final int eol = head.indexOf('\r', cl);
        final int length = Integer.parseInt(head.substring(cl + 15, eol).trim());
        int body = have - headEnd;
        while (body < length) {
            final int r = in.read(buf, 0, buf.length);
            if (r < 0) {
                throw new IllegalStateException("closed");
            }
            body += r;
        }
    }

    private static long eventLoopAllocatedBytes() {
        final com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        final List<Thread> loops = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("multiThreadIoEventLoopGroup")).toList();
        for (Thread t : loops) {
            sum += mx.getThreadAllocatedBytes(t.threadId());
        }
        return sum;
    }
}
