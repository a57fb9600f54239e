package io.fulcrum.control;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import io.fulcrum.common.config.Ipv4Address;
import io.fulcrum.common.config.Ipv4Cidr;
import io.fulcrum.conntrack.FlowDescriptor;
import io.fulcrum.conntrack.TcpState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fulcrum conns}: lists the tracked flows of a running node like {@code ipvsadm -Lnc}, by mapping the
 * agents' flow-entry files ({@code flows-agent-<id>.bin} in the run directory) read-only. The agents keep
 * writing while it reads, so a line can show a flow a moment before or after a change; nothing is locked.
 */
@Command(name = "conns", mixinStandardHelpOptions = true,
    description = "List tracked L4 flows (like ipvsadm -Lnc), read from the node's flow-table files.")
final class ConnsCommand implements Callable<Integer> {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

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
            if (Files.isDirectory(dir)) {
                try (Stream<Path> list = Files.list(dir)) {
                    list.filter(f -> f.getFileName().toString().matches("flows-agent-[0-9]+\\.bin")).sorted().forEach(files::add);
                }
            }
        }
        if (files.isEmpty()) {
            System.err.println("fulcrum conns: no flow-table file found (is Fulcrum running with L4 listeners? try --run-dir)");
            return 1;
        }
        final Filter filter;
        try {
            filter = new Filter(endpoint(vip, "--vip"), endpoint(backend, "--backend"), stateCode(state));
        } catch (final IllegalArgumentException e) {
            System.err.println("fulcrum conns: " + e.getMessage());
            return 2;
        }
        final long nowMs = System.nanoTime() / 1_000_000L;
        long matched = 0;
        if (!countOnly) {
            System.out.printf("%-4s %-8s %-12s %-22s %-22s %-22s %s%n", "pro", "expire", "state", "source", "virtual",
                "destination", "local");
        }
        for (final Path file : files) {
            try (Arena arena = Arena.ofConfined(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                final MemorySegment entries = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
                final long count = entries.byteSize() / FlowDescriptor.ENTRY_BYTES;
                for (long i = 0; i < count; i++) {
                    final long base = i * FlowDescriptor.ENTRY_BYTES;
                    if ((entries.get(BYTE, base + FlowDescriptor.FLAGS_OFFSET) & FlowDescriptor.FLAG_IN_USE) == 0) {
                        continue;
                    }
                    if (filter.matches(entries, base)) {
                        matched++;
                        if (!countOnly) {
                            System.out.println(line(entries, base, nowMs));
                        }
                    }
                }
            }
        }
        if (countOnly) {
            System.out.println(matched);
        }
        return 0;
    }

    private static String line(final MemorySegment e, final long base, final long nowMs) {
        final int proto = e.get(BYTE, base + FlowDescriptor.PROTO_OFFSET) & 0xff;
        final int origPorts = e.get(INT, base + FlowDescriptor.ORIG_PORTS_OFFSET);
        final int replyPorts = e.get(INT, base + FlowDescriptor.REPLY_PORTS_OFFSET);
        final boolean fullNat = e.get(BYTE, base + FlowDescriptor.NAT_MODE_OFFSET) == FlowDescriptor.NAT_FULLNAT;
        final long expireS = Math.max(0, (e.get(LONG, base + FlowDescriptor.DEADLINE_MS_OFFSET) - nowMs) / 1000);
        final int tcpState = e.get(BYTE, base + FlowDescriptor.TCP_STATE_OFFSET);
        final String stateName = proto != 6 ? "UDP" : tcpState >= 0 && tcpState < TcpState.COUNT ? TcpState.name(tcpState) : "?";
        return String.format("%-4s %02d:%02d    %-12s %-22s %-22s %-22s %s", proto == 6 ? "TCP" : proto == 17 ? "UDP" : "IP",
            expireS / 60, expireS % 60, stateName,
            endpointText(e.get(INT, base + FlowDescriptor.ORIG_SRC_IP_OFFSET), origPorts >>> 16),
            endpointText(e.get(INT, base + FlowDescriptor.ORIG_DST_IP_OFFSET), origPorts & 0xffff),
            endpointText(e.get(INT, base + FlowDescriptor.REPLY_SRC_IP_OFFSET), replyPorts >>> 16),
            fullNat ? endpointText(e.get(INT, base + FlowDescriptor.REPLY_DST_IP_OFFSET), replyPorts & 0xffff) : "-");
    }

    private static String endpointText(final int ip, final int port) {
        return Ipv4Address.format(ip) + ":" + port;
    }

    /** {@code ip} or {@code ip:port} as {ip, port or -1}, or null when not given. */
    private static int[] endpoint(final String text, final String option) {
        if (text == null) {
            return null;
        }
        final int colon = text.indexOf(':');
        final String ipText = colon < 0 ? text : text.substring(0, colon);
        final int ip;
        try {
            ip = Ipv4Cidr.parse(ipText).address();
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " must be an IPv4 address with an optional :port, got '" + text + "'");
        }
        if (ipText.contains("/")) {
            throw new IllegalArgumentException(option + " must be an IPv4 address with an optional :port, got '" + text + "'");
        }
        int port = -1;
        if (colon >= 0) {
            final String portText = text.substring(colon + 1);
            if (!portText.matches("[0-9]{1,5}") || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 65535) {
                throw new IllegalArgumentException(option + " port must be 1..65535, got '" + portText + "'");
            }
            port = Integer.parseInt(portText);
        }
        return new int[] {ip, port};
    }

    private static int stateCode(final String name) {
        if (name == null) {
            return Integer.MIN_VALUE;
        }
        if (name.equalsIgnoreCase("UDP")) {
            return -1;
        }
        try {
            return TcpState.parse(name);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("--state: " + e.getMessage() + " (or UDP)");
        }
    }

    /** The --vip / --backend / --state filters. */
    private record Filter(int[] vip, int[] backend, int state) {
        boolean matches(final MemorySegment e, final long base) {
            final int origPorts = e.get(INT, base + FlowDescriptor.ORIG_PORTS_OFFSET);
            final int replyPorts = e.get(INT, base + FlowDescriptor.REPLY_PORTS_OFFSET);
            if (vip != null && (e.get(INT, base + FlowDescriptor.ORIG_DST_IP_OFFSET) != vip[0]
                || (vip[1] >= 0 && (origPorts & 0xffff) != vip[1]))) {
                return false;
            }
            if (backend != null && (e.get(INT, base + FlowDescriptor.REPLY_SRC_IP_OFFSET) != backend[0]
                || (backend[1] >= 0 && (replyPorts >>> 16) != backend[1]))) {
                return false;
            }
            if (state == Integer.MIN_VALUE) {
                return true;
            }
            final int proto = e.get(BYTE, base + FlowDescriptor.PROTO_OFFSET) & 0xff;
            return state == -1 ? proto == 17 : proto == 6 && e.get(BYTE, base + FlowDescriptor.TCP_STATE_OFFSET) == state;
        }
    }
}
