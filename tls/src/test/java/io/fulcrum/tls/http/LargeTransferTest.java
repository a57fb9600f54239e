package io.fulcrum.tls.http;

import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.testing.TestBackend;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1 GiB through the proxy in each direction (curl on both ends of a loopback path) with bounded memory: the peak of
 * Netty's allocator usage (direct + heap buffers) stays far below the transfer size, so nothing is fully buffered.
 */
class LargeTransferTest {
    private static final long GIB = 1L << 30;
    private static final long MAX_BUFFERED = 64L << 20;
    static TestBackend backend;
    static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("big");
        proxy = ProxyFixture.start(ProxyFixture.group("g", backend), s -> s);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    /** Samples allocator usage and JVM heap every 5 ms while {@code body} runs; returns peaks. */
    private static long[] peaks(ThrowingRunnable body) throws Exception {
        final ByteBufAllocatorMetric m = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        final MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        final AtomicLong peakNetty = new AtomicLong();
        final AtomicLong peakHeap = new AtomicLong();
        final Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peakNetty.accumulateAndGet(m.usedDirectMemory() + m.usedHeapMemory(), Math::max);
                peakHeap.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            body.run();
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        return new long[] {peakNetty.get(), peakHeap.get()};
    }

    private static long retainedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static String sh(String cmd) throws Exception {
        final Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.strip();
    }

    @Test
    void oneGibDownloadIsStreamed() throws Exception {
        final String[] out = new String[1];
        final long[] peak = peaks(() -> out[0] = sh("curl -sS --max-time 50 -o /dev/null -w '%{http_code} %{size_download}' "
                + proxy.url + "/download/" + GIB));
        System.out.printf("download 1 GiB: peak Netty buffers %d KiB, peak heap %d MiB%n", peak[0] >> 10, peak[1] >> 20);
        assertThat(out[0]).isEqualTo("200 " + GIB);
        assertThat(peak[0]).as("peak Netty buffer memory").isLessThan(MAX_BUFFERED);
        assertThat(proxy.stage.listenerCounters().get("web").get(ListenerCounters.Counter.BYTES_OUT)).isGreaterThan(GIB);
    }

    @Test
    void oneGibChunkedUploadIsStreamed() throws Exception {
        final long before = backend.bodyBytes();
        final long heapBefore = retainedHeapAfterGc();
        final String[] out = new String[1];
        final long[] peak = peaks(() -> out[0] = sh("head -c " + GIB + " /dev/zero | curl -sS --max-time 50 -T - -X POST "
                + "-o /dev/null -w '%{http_code}' " + proxy.url + "/upload"));
        System.out.printf("upload 1 GiB: peak Netty buffers %d KiB, peak heap %d MiB%n", peak[0] >> 10, peak[1] >> 20);
        assertThat(out[0]).isEqualTo("200");
        assertThat(backend.bodyBytes() - before).isEqualTo(GIB);
        assertThat(peak[0]).as("peak Netty buffer memory").isLessThan(MAX_BUFFERED);
        assertThat(retainedHeapAfterGc() - heapBefore).as("heap retained after the transfer").isLessThan(MAX_BUFFERED);
    }
}
