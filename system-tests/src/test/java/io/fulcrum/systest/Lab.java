package io.fulcrum.systest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The namespace lab of scripts/lab.sh, brought up with a unique prefix for one test class and always
 * removed again. Also runs commands inside the lab's namespaces with hard timeouts.
 */
public final class Lab implements AutoCloseable {
    private final String prefix;
    private final Map<String, String> env = new HashMap<>();

    private Lab(final String prefix) {
        this.prefix = prefix;
    }

    /** The repository root (set by the build as fulcrum.root). */
    public static Path root() {
        return Path.of(System.getProperty("fulcrum.root", "..")).toAbsolutePath().normalize();
    }

    /** Brings a lab up with a fresh prefix and {@code backends} backends, offloads off (scripts/lab.sh's default). */
    public static Lab up(final int backends) {
        return up(backends, false);
    }

    /**
     * Brings a lab up with a fresh prefix and {@code backends} backends; with {@code offloads} the veths keep their
     * default TSO/GSO and TX checksum offload ({@code lab.sh --offloads on}), as an operator's namespaces would.
     */
    public static Lab up(final int backends, final boolean offloads) {
        final String prefix = "ft" + Long.toString(ProcessHandle.current().pid() % 10000, 36)
            + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        final Lab lab = new Lab(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(lab::close));
        final Result result = run(Duration.ofSeconds(60), root().resolve("scripts/lab.sh").toString(), "up",
            "--prefix", prefix, "--backends", Integer.toString(backends), "--offloads", offloads ? "on" : "off");
        if (result.exitCode != 0) {
            lab.close();
            throw new IllegalStateException("lab up failed: " + result);
        }
        for (final String line : result.stdout.split("\n")) {
            final int eq = line.indexOf('=');
            if (eq > 0) {
                lab.env.put(line.substring(0, eq), line.substring(eq + 1).replace("\"", ""));
            }
        }
        return lab;
    }

    public String prefix() {
        return prefix;
    }

    public String ns(final String role) {
        return prefix + "-" + role;
    }

    public String get(final String key) {
        return env.get(key);
    }

    /** Runs a command inside the namespace of {@code role} (client, lb, sw, b1, ...). */
    public Result exec(final String role, final Duration timeout, final String... command) {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns(role)));
        full.addAll(List.of(command));
        return run(timeout, full.toArray(String[]::new));
    }

    /**
     * Starts {@code system-tests/src/test/resources/backend.py MODE NAME PORT ...} in the namespace of {@code role}, its
     * output in {@code logDir/role-MODE.log}, and waits (at most 5 s) until its TCP or UDP port is open. {@link #close()}
     * ends it with everything else in the lab's namespaces.
     */
    public Process backend(final Path logDir, final String role, final String... args) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns(role), "python3", "-u",
            root().resolve("system-tests/src/test/resources/backend.py").toString()));
        command.addAll(List.of(args));
        final Process p = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(logDir.resolve(role + "-" + args[0] + ".log").toFile()).start();
        final String protocol = args[0].startsWith("udp") ? "-lunH" : "-ltnH";
        for (int i = 0; i < 50; i++) {
            if (!exec(role, Duration.ofSeconds(5), "ss", protocol, "sport", "=", ":" + args[2]).stdout().isBlank()) {
                return p;
            }
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new IllegalStateException("backend " + String.join(" ", args) + " did not start in " + ns(role));
    }

    /** Runs a command with a hard timeout, capturing its output. */
    public static Result run(final Duration timeout, final String... command) {
        try {
            final Path out = java.nio.file.Files.createTempFile("lab-out", ".txt");
            final Path err = java.nio.file.Files.createTempFile("lab-err", ".txt");
            final Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .start();
            final boolean done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            final Result r = new Result(String.join(" ", command), done ? process.exitValue() : -1,
                java.nio.file.Files.readString(out, StandardCharsets.UTF_8), java.nio.file.Files.readString(err,
                StandardCharsets.UTF_8), !done);
            java.nio.file.Files.deleteIfExists(out);
            java.nio.file.Files.deleteIfExists(err);
            return r;
        } catch (final IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    @Override
    public synchronized void close() {
        run(Duration.ofSeconds(60), root().resolve("scripts/lab.sh").toString(), "down", "--prefix", prefix);
    }

    /** The outcome of a command. */
    public record Result(String command, int exitCode, String stdout, String stderr, boolean timedOut) {
        public boolean ok() {
            return exitCode == 0;
        }

        @Override
        public String toString() {
            return "'" + command + "' exit " + exitCode + (timedOut ? " (timed out)" : "") + "\nstdout:\n" + stdout
                + "\nstderr:\n" + stderr;
        }
    }
}
