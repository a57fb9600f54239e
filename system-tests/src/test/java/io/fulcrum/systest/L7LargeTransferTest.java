package io.fulcrum.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 1 GiB uploaded and 1 GiB downloaded through the real binary's HTTP listener (curl in the client namespace, a python
 * backend that streams without holding the body) with Fulcrum's JVM limited to a 256 MiB heap: both transfers complete,
 * the heap in use (sampled with jcmd while the bytes flow) stays far below the transfer size, and the heap retained
 * after a GC does not grow. Module test tls LargeTransferTest measures Netty's buffer usage in-process.
 */
class L7LargeTransferTest {
    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;
    private static final String URL = "http://198.18.0.1:8080";
    private static Lab lab;
    private static Path work;
    private static FulcrumProcess fulcrum;

    @BeforeAll
    static void up() throws Exception {
        lab = Lab.up(1);
        work = Files.createTempDirectory("fulcrum-large");
        lab.backend(work, "b1", "http", "b1", "80");
        final Path runDir = work.resolve("run");
        final Path config = work.resolve("large.yaml");
        Files.writeString(config, """
            node: {name: large-1, run-dir: %s}
            dataplane: {}
            listeners:
              - {name: web, protocol: http, vip: 198.18.0.1, port: 8080, group: g, timeouts: {request: 60, response: 60}}
            backend-groups:
              - {name: g, backends: [{address: 198.18.1.11, port: 80}]}
            """.formatted(runDir));
        fulcrum = FulcrumProcess.start(lab.ns("lb"), config, runDir, Duration.ofSeconds(60), "-Xmx256m");
    }

    @AfterAll
    static void down() throws Exception {
        try {
            if (fulcrum != null) {
                assertThat(fulcrum.stop()).isZero();
            }
        } finally {
            if (lab != null) {
                lab.close();
            }
        }
    }

    private static String jcmd(final String... args) {
        final Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        final List<String> command = new ArrayList<>(List.of(java.resolveSibling("jcmd").toString(),
            Long.toString(fulcrum.javaPid())));
        command.addAll(List.of(args));
        final Lab.Result r = Lab.run(Duration.ofSeconds(20), command.toArray(String[]::new));
        assertThat(r.ok()).as(r.toString()).isTrue();
        return r.stdout();
    }

    /** Heap in use as GC.heap_info reports it (ZGC: "used 58M"). */
    private static long heapUsedBytes() {
        final String info = jcmd("GC.heap_info");
        final Matcher m = Pattern.compile("used (\\d+)([KMG])").matcher(info);
        assertThat(m.find()).as(info).isTrue();
        return Long.parseLong(m.group(1)) << switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            default -> 30;
        };
    }

    private static long retainedHeapBytes() {
        jcmd("GC.run");
        return heapUsedBytes();
    }

    /** Runs a transfer while sampling the heap every 200 ms; returns {peak heap used, curl output}. */
    private static Object[] sampled(final String... curl) throws Exception {
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicLong peak = new AtomicLong();
        final CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
            while (!done.get()) {
                peak.accumulateAndGet(heapUsedBytes(), Math::max);
                try {
                    Thread.sleep(200);
                } catch (final InterruptedException e) {
                    return;
                }
            }
        });
        final long start = System.nanoTime();
        final Lab.Result r = lab.exec("client", Duration.ofSeconds(50), curl);
        final long ms = (System.nanoTime() - start) / 1_000_000;
        done.set(true);
        sampler.get();
        assertThat(r.ok()).as(r.toString()).isTrue();
        System.out.printf("%s: %d ms, peak heap in use %d MiB%n", String.join(" ", curl), ms, peak.get() / MIB);
        return new Object[] {peak.get(), r.stdout()};
    }

    @Test
    void oneGibibyteEachWayWithAHeapThatDoesNotGrowWithTheSize() throws Exception {
        final long before = retainedHeapBytes();

        final Object[] down = sampled("curl", "-s", "-m", "45", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
            URL + "/download/" + GIB);
        assertThat((String) down[1]).isEqualTo("200 " + GIB);

        final Path body = work.resolve("upload.bin");
        Lab.run(Duration.ofSeconds(10), "truncate", "-s", Long.toString(GIB), body.toString());
        final Object[] up = sampled("curl", "-s", "-m", "45", "-T", body.toString(), URL + "/sink");
        assertThat(((String) up[1]).trim()).isEqualTo("sink=" + GIB);
        Files.delete(body);

        final long after = retainedHeapBytes();
        System.out.printf("heap retained after GC: before %d MiB, after %d MiB%n", before / MIB, after / MIB);
        assertThat((long) down[0]).as("peak heap in use during the download").isLessThan(200 * MIB);
        assertThat((long) up[0]).as("peak heap in use during the upload").isLessThan(200 * MIB);
        assertThat(after - before).as("heap retained after the transfers").isLessThan(32 * MIB);
    }
}
