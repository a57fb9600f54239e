package io.fulcrum.control.runtime;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.fulcrum.common.config.ForwardingMode;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.Ipv4Address;
import io.fulcrum.common.config.Ipv4Cidr;
import io.fulcrum.common.config.ListenerConfig;
import io.fulcrum.common.config.ListenerProtocol;
import io.fulcrum.conntrack.FlowDescriptor;
import io.fulcrum.conntrack.TcpState;

/**
 * Reads the tracked flows of a node from its agents' flow-entry files ({@code flows-agent-<id>.bin}, the entry slab
 * of each agent's flow table, laid out as {@link FlowDescriptor} says), read-only. The agents keep writing while it
 * reads, nothing is locked, so a flow can show a moment before or after a change. {@code fulcrum conns} (another
 * process) and the control plane's {@code conns} and {@code ipvsadm -Lnc} (the node itself) both read through it.
 */
public final class FlowFiles {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    /** Matches any port or state in a {@link Filter}. */
    public static final int ANY = -1;

    /**
     * One tracked flow.
     *
     * @param protocol       IP protocol number (6 TCP, 17 UDP)
     * @param expiresSeconds seconds until the flow expires (0 when due)
     * @param tcpState       {@link TcpState} constant, or -1 for a flow that is not TCP
     * @param clientIp       client address
     * @param clientPort     client port
     * @param vip            virtual address
     * @param vport          virtual port
     * @param backendIp      backend address
     * @param backendPort    backend port
     * @param localIp        FULLNAT local address; the client address in DNAT
     * @param localPort      FULLNAT local port; the client port in DNAT
     * @param fullNat        whether the flow is FULLNAT
     */
    public record Flow(int protocol, long expiresSeconds, int tcpState, int clientIp, int clientPort, int vip, int vport,
                       int backendIp, int backendPort, int localIp, int localPort, boolean fullNat) {
        /** {@code TCP}, {@code UDP} or {@code IP}. */
        public String protocolName() {
            return protocol == 6 ? "TCP" : protocol == 17 ? "UDP" : "IP";
        }

        /** The state as ipvsadm prints it: the TCP state's LVS name, {@code UDP} for UDP flows. */
        public String stateName() {
            return protocol != 6 ? "UDP" : tcpState >= 0 && tcpState < TcpState.COUNT ? TcpState.name(tcpState) : "?";
        }

        /** {@code address:port} of the client. */
        public String client() {
            return Ipv4Address.format(clientIp) + ":" + clientPort;
        }

        /** {@code address:port} of the virtual service. */
        public String virtual() {
            return Ipv4Address.format(vip) + ":" + vport;
        }

        /** {@code address:port} of the backend. */
        public String backend() {
            return Ipv4Address.format(backendIp) + ":" + backendPort;
        }

        /** {@code address:port} of the FULLNAT local side, {@code -} for DNAT. */
        public String local() {
            return fullNat ? Ipv4Address.format(localIp) + ":" + localPort : "-";
        }
    }

    /**
     * Which flows to read; every criterion is optional.
     *
     * @param protocol    IP protocol number or {@link #ANY}
     * @param vip         virtual address, or null for any
     * @param vport       virtual port or {@link #ANY}
     * @param backendIp   backend address, or null for any
     * @param backendPort backend port or {@link #ANY}
     * @param clientIp    client address, or null for any
     * @param clientPort  client port or {@link #ANY}
     * @param tcpState    TCP state constant, {@link #ANY}, or {@link #UDP_STATE} for UDP flows only
     */
    public record Filter(int protocol, Integer vip, int vport, Integer backendIp, int backendPort, Integer clientIp,
                         int clientPort, int tcpState) {
        /** The state filter of UDP flows (ipvsadm prints their state as {@code UDP}). */
        public static final int UDP_STATE = -2;
        /** Every flow. */
        public static final Filter ALL = new Filter(ANY, null, ANY, null, ANY, null, ANY, ANY);

        boolean matches(final MemorySegment e, final long base) {
            final int proto = e.get(BYTE, base + FlowDescriptor.PROTO_OFFSET) & 0xff;
            final int origPorts = e.get(INT, base + FlowDescriptor.ORIG_PORTS_OFFSET);
            final int replyPorts = e.get(INT, base + FlowDescriptor.REPLY_PORTS_OFFSET);
            if (protocol != ANY && proto != protocol) {
                return false;
            }
            if (!matches(vip, vport, e.get(INT, base + FlowDescriptor.ORIG_DST_IP_OFFSET), origPorts & 0xffff)
                || !matches(backendIp, backendPort, e.get(INT, base + FlowDescriptor.REPLY_SRC_IP_OFFSET), replyPorts >>> 16)
                || !matches(clientIp, clientPort, e.get(INT, base + FlowDescriptor.ORIG_SRC_IP_OFFSET), origPorts >>> 16)) {
                return false;
            }
            if (tcpState == ANY) {
                return true;
            }
            return tcpState == UDP_STATE ? proto == 17
                : proto == 6 && e.get(BYTE, base + FlowDescriptor.TCP_STATE_OFFSET) == tcpState;
        }

        private static boolean matches(final Integer ip, final int port, final int actualIp, final int actualPort) {
            return ip == null || ip == actualIp && (port == ANY || port == actualPort);
        }
    }

    /** What to do with each matching flow; return false to stop reading. */
    @FunctionalInterface
    public interface FlowVisitor {
        /** One matching flow. */
        boolean flow(Flow flow);
    }

    private final List<Path> files;

    /** Reads these flow-entry files. */
    public FlowFiles(final List<Path> files) {
        this.files = List.copyOf(files);
    }

    /** The flow-entry files of the agents in a run directory, in agent order (none when the node runs no L4 path). */
    public static FlowFiles inRunDirectory(final Path runDir) throws IOException {
        final List<Path> found = new ArrayList<>();
        if (Files.isDirectory(runDir)) {
            try (Stream<Path> list = Files.list(runDir)) {
                list.filter(f -> f.getFileName().toString().matches("flows-agent-[0-9]+\\.bin")).sorted().forEach(found::add);
            }
        }
        return new FlowFiles(found);
    }

    /** The files read. */
    public List<Path> files() {
        return files;
    }

    /**
     * Visits the live flows that match, file by file.
     *
     * @param filter  which flows
     * @param nowMs   the agents' clock ({@code System.nanoTime() / 1_000_000}) for the time left
     * @param visitor called with each matching flow (null: only count)
     * @return the number of matching flows visited
     * @throws IOException when a file cannot be read (a missing file is skipped: its agent stopped)
     */
    public long read(final Filter filter, final long nowMs, final FlowVisitor visitor) throws IOException {
        long matched = 0;
        for (final Path file : files) {
            try (Arena arena = Arena.ofConfined(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                final MemorySegment entries = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
                final long count = entries.byteSize() / FlowDescriptor.ENTRY_BYTES;
                for (long i = 0; i < count; i++) {
                    final long base = i * FlowDescriptor.ENTRY_BYTES;
                    if ((entries.get(BYTE, base + FlowDescriptor.FLAGS_OFFSET) & FlowDescriptor.FLAG_IN_USE) == 0
                        || !filter.matches(entries, base)) {
                        continue;
                    }
                    matched++;
                    if (visitor != null && !visitor.flow(decode(entries, base, nowMs))) {
                        return matched;
                    }
                }
            } catch (final NoSuchFileException e) {
                // the agent's file is gone (node stopping): nothing to list from it
            }
        }
        return matched;
    }

    private static Flow decode(final MemorySegment e, final long base, final long nowMs) {
        final int proto = e.get(BYTE, base + FlowDescriptor.PROTO_OFFSET) & 0xff;
        final int origPorts = e.get(INT, base + FlowDescriptor.ORIG_PORTS_OFFSET);
        final int replyPorts = e.get(INT, base + FlowDescriptor.REPLY_PORTS_OFFSET);
        return new Flow(proto, Math.max(0, (e.get(LONG, base + FlowDescriptor.DEADLINE_MS_OFFSET) - nowMs) / 1000),
            proto == 6 ? e.get(BYTE, base + FlowDescriptor.TCP_STATE_OFFSET) : -1,
            e.get(INT, base + FlowDescriptor.ORIG_SRC_IP_OFFSET), origPorts >>> 16,
            e.get(INT, base + FlowDescriptor.ORIG_DST_IP_OFFSET), origPorts & 0xffff,
            e.get(INT, base + FlowDescriptor.REPLY_SRC_IP_OFFSET), replyPorts >>> 16,
            e.get(INT, base + FlowDescriptor.REPLY_DST_IP_OFFSET), replyPorts & 0xffff,
            e.get(BYTE, base + FlowDescriptor.NAT_MODE_OFFSET) == FlowDescriptor.NAT_FULLNAT);
    }

    /**
     * Parses a filter endpoint, {@code ip} or {@code ip:port}.
     *
     * @param text   the text, or null
     * @param option what it is, for the message (e.g. {@code --vip})
     * @return {ip, port or {@link #ANY}}, or null for null or empty text
     * @throws IllegalArgumentException naming the option when the text is not an IPv4 address with an optional port
     */
    public static int[] endpoint(final String text, final String option) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        final int colon = text.indexOf(':');
        final String ipText = colon < 0 ? text : text.substring(0, colon);
        final int ip;
        try {
            if (ipText.contains("/")) {
                throw new IllegalArgumentException("a prefix");
            }
            ip = Ipv4Cidr.parse(ipText).address();
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " must be an IPv4 address with an optional :port, got '" + text + "'");
        }
        int port = ANY;
        if (colon >= 0) {
            final String portText = text.substring(colon + 1);
            if (!portText.matches("[0-9]{1,5}") || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 65535) {
                throw new IllegalArgumentException(option + " port must be 1..65535, got '" + portText + "'");
            }
            port = Integer.parseInt(portText);
        }
        return new int[] {ip, port};
    }

    /**
     * The flows the control plane lists ({@code fulcrumctl conns}, {@code ipvsadm -Lnc}), at most {@code limit},
     * filtered by listener name (its protocol, VIP and port in {@code config}), backend and client.
     *
     * @throws IllegalArgumentException for an unknown or non-packet-mode listener or a malformed address
     * @throws IOException              when a flow file cannot be read
     */
    public List<DataplaneState.FlowEntry> entries(final DataplaneState.FlowFilter filter, final int limit,
                                                 final FulcrumConfig config, final long nowMs) throws IOException {
        final java.util.Map<Long, String> names = new java.util.HashMap<>();
        for (final ListenerConfig l : config.listeners()) {
            if (l.protocol().isL4() && l.mode() != ForwardingMode.PROXY && l.vip().isIpv4()) {
                names.put(serviceKey(protocolNumber(l), l.vip().ipv4(), l.port()), l.name());
            }
        }
        int protocol = ANY;
        Integer vip = null;
        int vport = ANY;
        if (!filter.listener().isEmpty()) {
            final ListenerConfig l = config.listener(filter.listener()).orElseThrow(() -> new IllegalArgumentException(
                "unknown listener '" + filter.listener() + "'"));
            if (!names.containsValue(l.name())) {
                throw new IllegalArgumentException("listener '" + l.name() + "' is not a packet-mode (fullnat, dnat) IPv4 "
                    + "listener: it has no tracked flows");
            }
            protocol = protocolNumber(l);
            vip = l.vip().ipv4();
            vport = l.port();
        }
        final int[] b = endpoint(filter.backend(), "backend");
        final int[] c = endpoint(filter.client(), "client");
        final Filter f = new Filter(protocol, vip, vport, b == null ? null : b[0], b == null ? ANY : b[1],
            c == null ? null : c[0], c == null ? ANY : c[1], ANY);
        final List<DataplaneState.FlowEntry> out = new ArrayList<>();
        if (limit <= 0) {
            return out;
        }
        read(f, nowMs, flow -> {
            out.add(new DataplaneState.FlowEntry(flow.protocolName(), flow.expiresSeconds(), flow.stateName(), flow.client(),
                flow.virtual(), flow.backend(), names.getOrDefault(serviceKey(flow.protocol(), flow.vip(), flow.vport()), "-")));
            return out.size() < limit;
        });
        return out;
    }

    private static int protocolNumber(final ListenerConfig l) {
        return l.protocol() == ListenerProtocol.UDP ? 17 : 6;
    }

    private static long serviceKey(final int protocol, final int ip, final int port) {
        return (long) protocol << 48 | (ip & 0xffff_ffffL) << 16 | port;
    }
}
