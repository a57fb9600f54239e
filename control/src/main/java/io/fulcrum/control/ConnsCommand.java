package io.fulcrum.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import io.fulcrum.conntrack.TcpState;
import io.fulcrum.control.runtime.FlowFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fulcrum conns}: lists the tracked flows of a running node like {@code ipvsadm -Lnc}, by mapping the
 * agents' flow-entry files ({@code flows-agent-<id>.bin} in the run directory) read-only through {@link FlowFiles}
 * (the control plane's {@code conns} reads them the same way). The agents keep writing while it reads, so a line
 * can show a flow a moment before or after a change; nothing is locked.
 */
@Command(name = "conns", mixinStandardHelpOptions = true,
    description = "List tracked L4 flows (like ipvsadm -Lnc), read from the node's flow-table files.")
final class ConnsCommand implements Callable<Integer> {
    @Option(names = "--run-dir", description = "The node's run directory (default: every /dev/shm/fulcrum-*).")
    private Path runDir;

    @Option(names = "--vip", paramLabel = "IP[:PORT]", description = "Only flows to this virtual address (and port).")
    private String vip;

    @Option(names = "--backend", paramLabel = "IP[:PORT]", description = "Only flows to this backend (and port).")
    private String backend;

    @Option(names = "--state", paramLabel = "STATE", description = "Only TCP flows in this state (ESTABLISHED, "
        + "SYN_RECV, FIN_WAIT, TIME_WAIT, CLOSE, ...); UDP for UDP flows.")
    private String state;

    @Option(names = "--count", description = "Print only the number of matching flows.")
    private boolean countOnly;

    @Override
    public Integer call() throws IOException {
        final List<Path> files = new ArrayList<>();
        final List<Path> dirs = new ArrayList<>();
        if (runDir != null) {
            dirs.add(runDir);
        } else {
            try (Stream<Path> list = Files.list(Path.of("/dev/shm"))) {
                list.filter(d -> d.getFileName().toString().startsWith("fulcrum-")).sorted().forEach(dirs::add);
            }
        }
        for (final Path dir : dirs) {
            files.addAll(FlowFiles.inRunDirectory(dir).files());
        }
        if (files.isEmpty()) {
            System.err.println("fulcrum conns: no flow-table file found (is Fulcrum running with L4 listeners? try --run-dir)");
            return 1;
        }
        final FlowFiles.Filter filter;
        try {
            final int[] v = FlowFiles.endpoint(vip, "--vip");
            final int[] b = FlowFiles.endpoint(backend, "--backend");
            filter = new FlowFiles.Filter(FlowFiles.ANY, v == null ? null : v[0], v == null ? FlowFiles.ANY : v[1],
                b == null ? null : b[0], b == null ? FlowFiles.ANY : b[1], null, FlowFiles.ANY, stateCode(state));
        } catch (final IllegalArgumentException e) {
            System.err.println("fulcrum conns: " + e.getMessage());
            return 2;
        }
        if (!countOnly) {
            System.out.printf("%-4s %-8s %-12s %-22s %-22s %-22s %s%n", "pro", "expire", "state", "source", "virtual",
                "destination", "local");
        }
        final long matched = new FlowFiles(files).read(filter, System.nanoTime() / 1_000_000L, countOnly ? null : f -> {
            System.out.println(String.format("%-4s %02d:%02d    %-12s %-22s %-22s %-22s %s", f.protocolName(),
                f.expiresSeconds() / 60, f.expiresSeconds() % 60, f.stateName(), f.client(), f.virtual(), f.backend(),
                f.local()));
            return true;
        });
        if (countOnly) {
            System.out.println(matched);
        }
        return 0;
    }

    private static int stateCode(final String name) {
        if (name == null) {
            return FlowFiles.ANY;
        }
        if (name.equalsIgnoreCase("UDP")) {
            return FlowFiles.Filter.UDP_STATE;
        }
        try {
            return TcpState.parse(name);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("--state: " + e.getMessage() + " (or UDP)");
        }
    }
}
