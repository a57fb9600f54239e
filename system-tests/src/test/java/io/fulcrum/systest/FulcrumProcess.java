package io.fulcrum.systest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real Fulcrum binary ({@code bin/fulcrum run}) started inside the lab's load-balancer namespace,
 * with its output in a log file. {@link #close()} stops it (SIGTERM, then SIGKILL) and waits.
 */
public final class FulcrumProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final Path runDir;

    private FulcrumProcess(final Process process, final Path log, final Path runDir) {
        this.process = process;
        this.log = log;
        this.runDir = runDir;
    }

    /** Starts {@code fulcrum run --config config} in {@code namespace} and waits for its ready line. */
    public static FulcrumProcess start(final String namespace, final Path config, final Path runDir,
                                       final Duration readyTimeout) throws IOException, InterruptedException {
        return start(namespace, config, runDir, readyTimeout, "");
    }

    /** As {@link #start(String, Path, Path, Duration)}, with extra JVM flags ({@code FULCRUM_JAVA_OPTS}). */
    public static FulcrumProcess start(final String namespace, final Path config, final Path runDir,
                                       final Duration readyTimeout, final String javaOptions)
        throws IOException, InterruptedException {
        final Path log = Files.createTempFile("fulcrum-run", ".log");
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace,
            Lab.root().resolve("bin/fulcrum").toString(), "run", "--config", config.toString()));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("FULCRUM_NO_BUILD", "1");
        if (!javaOptions.isEmpty()) {
            builder.environment().put("FULCRUM_JAVA_OPTS", javaOptions);
        }
        final Process process = builder.start();
        final FulcrumProcess fulcrum = new FulcrumProcess(process, log, runDir);
        final long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            final String text = Files.readString(log, StandardCharsets.UTF_8);
            if (text.contains("fulcrum: ready")) {
                return fulcrum;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("fulcrum exited with " + process.exitValue() + " before ready:\n" + text);
            }
            Thread.sleep(100);
        }
        final String text = fulcrum.output();
        fulcrum.close();
        throw new IllegalStateException("fulcrum not ready within " + readyTimeout + ":\n" + text);
    }

    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** The process id of Fulcrum's JVM (the launcher execs java, so it is usually the started process itself). */
    public long javaPid() {
        if (process.info().command().orElse("").endsWith("/java")) {
            return process.pid();
        }
        return process.descendants().filter(h -> h.info().command().orElse("").endsWith("/java")).findFirst()
            .map(ProcessHandle::pid).orElseThrow(() -> new IllegalStateException("no java process under " + process.pid()));
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The counters of the running process, as printed by {@code fulcrum stats}. */
    public String stats() {
        return Lab.run(Duration.ofSeconds(30), Lab.root().resolve("bin/fulcrum").toString(), "stats", "--run-dir",
            runDir.toString()).stdout();
    }

    /** Stops the process; returns its exit code (-1 if it had to be killed). */
    public int stop() throws InterruptedException {
        if (process.isAlive()) {
            process.toHandle().descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return -1;
            }
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
