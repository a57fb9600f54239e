package io.fulcrum.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab for the L4 system tests: {@link Lab} with two backends running {@code l4peer.py serve} (TCP 80 with
 * WHO/ECHO/IDLE/HTTP, UDP 7), a Fulcrum started from a generated config, helpers to run the peer's clients in the
 * client namespace, and a failure wrapper that appends Fulcrum's output and {@code fulcrum stats}.
 */
final class L4Lab implements AutoCloseable {
    static final String VIP = "198.18.0.100";
    static final String CLIENT = "198.18.0.2";
    static final String LOCAL = "198.18.1.100";
    private static final long PEER_LIFETIME_S = 300;

    private final Lab lab;
    private final Path work;
    private final List<Process> background = new ArrayList<>();
    private FulcrumProcess fulcrum;

    private L4Lab(final Lab lab, final Path work) {
        this.lab = lab;
        this.work = work;
    }

    /** Brings the lab up with two serving backends. */
    static L4Lab up(final String name) throws IOException, InterruptedException {
        return up(name, false);
    }

    /** Brings the lab up with two serving backends, the veths' offloads on or off ({@link Lab#up(int, boolean)}). */
    static L4Lab up(final String name, final boolean offloads) throws IOException, InterruptedException {
        final Lab lab = Lab.up(2, offloads);
        final L4Lab l4 = new L4Lab(lab, Files.createTempDirectory("fulcrum-" + name));
        try {
            for (final String backend : List.of("b1", "b2")) {
                final Process server = l4.startBackground(backend, "python3", peer().toString(), "serve", backend, "80", "7",
                    l4.idleLog().toString());
                final BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
                assertThat(out.readLine()).as(backend + " server").isEqualTo("ready");
            }
        } catch (final IOException | RuntimeException | Error e) {
            l4.close();
            throw e;
        }
        return l4;
    }

    static Path peer() {
        return Lab.root().resolve("system-tests/src/test/resources/l4peer.py");
    }

    Lab lab() {
        return lab;
    }

    Path work() {
        return work;
    }

    Path idleLog() {
        return work.resolve("idle.log");
    }

    FulcrumProcess fulcrum() {
        return fulcrum;
    }

    /** Starts a process in a namespace that lives until {@link #close()} (or its own bounded lifetime). */
    Process startBackground(final String role, final String... command) throws IOException {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", lab.ns(role)));
        full.addAll(List.of(command));
        final ProcessBuilder builder = new ProcessBuilder(full).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("L4PEER_LIFETIME", Long.toString(PEER_LIFETIME_S));
        final Process process = builder.start();
        background.add(process);
        return process;
    }

    /** Writes {@code yaml} (with {@code RUN_DIR} replaced) and starts Fulcrum on it in the lb namespace. */
    FulcrumProcess startFulcrum(final String yaml) throws IOException, InterruptedException {
        final Path runDir = work.resolve("run");
        final Path config = work.resolve("fulcrum.yaml");
        Files.writeString(config, yaml.replace("RUN_DIR", runDir.toString()));
        fulcrum = FulcrumProcess.start(lab.ns("lb"), config, runDir, Duration.ofSeconds(90));
        return fulcrum;
    }

    /** Runs an {@code l4peer.py} client command in the client namespace and returns its output (trimmed). */
    String client(final Duration timeout, final String... args) {
        final List<String> command = new ArrayList<>(List.of("python3", peer().toString()));
        command.addAll(List.of(args));
        final Lab.Result result = lab.exec("client", timeout, command.toArray(String[]::new));
        assertThat(result.ok()).as(result.toString()).isTrue();
        return result.stdout().trim();
    }

    /** Runs {@code check}; on failure adds Fulcrum's output and counters to the message. */
    void dumpOnFailure(final ThrowingRunnable check) throws Exception {
        try {
            check.run();
        } catch (final AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- fulcrum output:\n" + (fulcrum == null ? "-" : fulcrum.output())
                + "\n--- fulcrum stats:\n" + (fulcrum == null ? "-" : fulcrum.stats()), e);
        }
    }

    /** A counter's value from {@code fulcrum stats} output, 0 if absent. */
    static long counter(final String stats, final String label) {
        final Matcher m = Pattern.compile(Pattern.quote(label) + "\\s+([0-9,]+)").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : 0;
    }

    @Override
    public void close() {
        if (fulcrum != null) {
            fulcrum.close();
        }
        for (final Process process : background) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lab.close();
    }

    /** A check that may throw. */
    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
