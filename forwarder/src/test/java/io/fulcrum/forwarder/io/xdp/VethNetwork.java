package io.fulcrum.forwarder.io.xdp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces joined by a veth pair, for tests: {@code <prefix>l} holds the load balancer side
 * {@code fxl0} (198.18.0.1/24, 02:00:00:00:00:01), {@code <prefix>p} the peer {@code fxp0} (198.18.0.2/24,
 * 02:00:00:00:00:02). The veth ends are created directly inside the namespaces, so nothing touches the
 * root namespace; both namespaces are deleted on {@link #close()} and by a shutdown hook.
 */
final class VethNetwork implements AutoCloseable {
    static final String LB_IF = "fxl0";
    static final String PEER_IF = "fxp0";
    static final long LB_MAC = 0x020000000001L;
    static final long PEER_MAC = 0x020000000002L;
    static final int LB_IP = 0xc6120001;
    static final int PEER_IP = 0xc6120002;
    /** An address owned by the load balancer (a VIP): not configured on any kernel interface. */
    static final int VIP = 0xc6120064;
    static final int OTHER_VIP = 0xc6120065;

    final String lb;
    final String peer;
    private final Thread cleanup;

    private VethNetwork(final String prefix) {
        this.lb = prefix + "l";
        this.peer = prefix + "p";
        this.cleanup = new Thread(this::deleteNamespaces, "veth-network-cleanup");
    }

    static VethNetwork create() {
        final String prefix = "fxd" + ProcessHandle.current().pid() % 100000
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        final VethNetwork network = new VethNetwork(prefix);
        Runtime.getRuntime().addShutdownHook(network.cleanup);
        try {
            run("ip", "netns", "add", network.lb);
            run("ip", "netns", "add", network.peer);
            run("ip", "-n", network.lb, "link", "add", LB_IF, "address", "02:00:00:00:00:01", "type", "veth",
                "peer", "name", PEER_IF, "address", "02:00:00:00:00:02", "netns", network.peer);
            run("ip", "-n", network.lb, "addr", "add", "198.18.0.1/24", "dev", LB_IF);
            run("ip", "-n", network.peer, "addr", "add", "198.18.0.2/24", "dev", PEER_IF);
            for (final String ns : List.of(network.lb, network.peer)) {
                run("ip", "-n", ns, "link", "set", "lo", "up");
            }
            run("ip", "-n", network.lb, "link", "set", LB_IF, "up");
            run("ip", "-n", network.peer, "link", "set", PEER_IF, "up");
        } catch (final RuntimeException e) {
            network.close();
            throw e;
        }
        return network;
    }

    /** {@code ip -d link show} of the load balancer interface. */
    String lbLinkDetails() {
        return run("ip", "-n", lb, "-d", "link", "show", "dev", LB_IF);
    }

    /** Whether an XDP program is attached to {@code fxl0} (native, generic or offloaded). */
    boolean lbHasXdp() {
        return lbLinkDetails().contains("xdp");
    }

    /** Runs a command in the peer namespace; returns its output, or throws on a non-zero exit. */
    String inPeer(final String... command) {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", peer));
        full.addAll(List.of(command));
        return run(full.toArray(new String[0]));
    }

    /** Starts a command in the peer namespace without waiting (killed in 10 s at the latest). */
    Process startInPeer(final String... command) {
        final List<String> full = new ArrayList<>(List.of("timeout", "10", "ip", "netns", "exec", peer));
        full.addAll(List.of(command));
        try {
            return new ProcessBuilder(full).redirectErrorStream(true).start();
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Kills a started process and everything it started (timeout does not pass SIGKILL on). */
    static void kill(final Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs a command (20 s limit); returns stdout+stderr, or throws with the output on a non-zero exit. */
    static String run(final String... command) {
        final Result result = runUnchecked(command);
        if (result.exitCode != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode + ": " + result.output);
        }
        return result.output;
    }

    /** Runs a command (20 s limit) and returns its exit code and output. */
    static Result runUnchecked(final String... command) {
        try {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final InputStream out = process.getInputStream();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            return new Result(process.exitValue(), new String(out.readAllBytes(), StandardCharsets.UTF_8));
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Result(int exitCode, String output) {
    }

    private void deleteNamespaces() {
        for (final String ns : List.of(lb, peer)) {
            runUnchecked("ip", "netns", "del", ns);
        }
    }

    @Override
    public void close() {
        deleteNamespaces();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (final IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}
