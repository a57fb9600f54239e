package io.fulcrum.forwarder.io.afpacket;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces and veth pairs for tests, created with {@code ip} under a per-run unique prefix
 * ({@code fap<pid><random>}) and always deleted on {@link #close()} (and by a shutdown hook if the JVM dies
 * first). Interfaces live only inside the lab's namespaces; the root namespace is never touched.
 */
final class VethLab implements AutoCloseable {
    private static final long COMMAND_TIMEOUT_SECONDS = 20;

    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final Thread cleanup;
    private boolean closed;

    VethLab() {
        this.prefix = "fap" + ProcessHandle.current().pid() + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000,
            0x10000));
        this.cleanup = new Thread(this::deleteNamespaces, "veth-lab-cleanup-" + prefix);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Creates namespace {@code prefix + suffix} with loopback up and IPv6 off (no router solicitations). */
    String namespace(final String suffix) {
        final String name = prefix + suffix;
        run("ip", "netns", "add", name);
        namespaces.add(name);
        exec(name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        run("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    /** A veth pair {@code nameA}@{@code nsA} -- {@code nameB}@{@code nsB} with fixed MACs, both up. */
    void veth(final String nsA, final String nameA, final String macA, final String nsB, final String nameB,
              final String macB) {
        run("ip", "-n", nsA, "link", "add", nameA, "address", macA, "type", "veth", "peer", "name", nameB, "netns", nsB,
            "address", macB);
        run("ip", "-n", nsA, "link", "set", nameA, "up");
        run("ip", "-n", nsB, "link", "set", nameB, "up");
    }

    /** Runs a command inside {@code namespace}. */
    String exec(final String namespace, final String... command) {
        final String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = namespace;
        System.arraycopy(command, 0, full, 4, command.length);
        return run(full);
    }

    /** Runs a command, bounded in time; fails with its output unless it exits 0. */
    static String run(final String... command) {
        try {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("failed (" + process.exitValue() + "): " + String.join(" ", command)
                    + "\n" + output);
            }
            return output;
        } catch (final IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }

    private synchronized void deleteNamespaces() {
        for (final String name : namespaces) {
            try {
                run("ip", "netns", "del", name);
            } catch (final IllegalStateException e) {
                System.err.println("veth lab cleanup: " + e.getMessage());
            }
        }
        namespaces.clear();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        deleteNamespaces();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (final IllegalStateException e) {
            // Already shutting down: the hook runs anyway and finds nothing left.
        }
    }
}
