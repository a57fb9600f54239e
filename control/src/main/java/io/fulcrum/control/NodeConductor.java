package io.fulcrum.control;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.fulcrum.common.config.AfPacketFanout;
import io.fulcrum.common.config.AfPacketVnetHeader;
import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.DataplaneConfig;
import io.fulcrum.common.config.FeatureGate;
import io.fulcrum.common.config.ForwardingMode;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.InterfaceConfig;
import io.fulcrum.common.config.IoMode;
import io.fulcrum.common.config.MacAddress;
import io.fulcrum.common.counters.CountersFile;
import io.fulcrum.control.plane.ControlPlane;
import io.fulcrum.control.runtime.BackendHealth;
import io.fulcrum.control.runtime.ConductorRuntime;
import io.fulcrum.control.runtime.ConfigDiff;
import io.fulcrum.control.runtime.CountersDataplaneState;
import io.fulcrum.control.runtime.FlowFiles;
import io.fulcrum.control.runtime.RuntimeStep;
import io.fulcrum.forwarder.ForwarderConfiguration;
import io.fulcrum.forwarder.agent.ForwarderAgent;
import io.fulcrum.forwarder.agent.ForwarderAgentRunner;
import io.fulcrum.forwarder.io.PacketIo;
import io.fulcrum.forwarder.io.afpacket.AfPacketChecks;
import io.fulcrum.forwarder.io.afpacket.AfPacketConfiguration;
import io.fulcrum.forwarder.io.afpacket.AfPacketIo;
import io.fulcrum.forwarder.io.afpacket.CbpfProgram;
import io.fulcrum.forwarder.io.afpacket.OwnerSteeringProgram;
import io.fulcrum.forwarder.io.xdp.XdpConfiguration;
import io.fulcrum.forwarder.io.xdp.XdpPacketIo;
import io.fulcrum.forwarder.l4.L4Runtime;
import io.fulcrum.forwarder.stage.ForwarderCounters;
import io.fulcrum.forwarder.stage.L4Stage;
import io.fulcrum.tls.metrics.CounterStore;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SystemNanoClock;

/**
 * The node's conductor: owns the lifecycle of everything a running Fulcrum has (counters file, packet
 * ports, forwarder agents). It does all the allocating and blocking work so the agents never do.
 */
final class NodeConductor implements AutoCloseable {
    static final int MAX_COUNTERS = 16 * 1024;

    private final FulcrumConfig config;
    private final PrintStream log;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final List<PacketIo> openPorts = new ArrayList<>();
    /** PACKET_VNET_HDR failed on a port under {@code af-packet-vnet-header: auto}: the other ports open plain. */
    private boolean vnetRefused;
    private CountersFile counters;
    private ConductorRuntime runtime;
    private ControlPlane controlPlane;
    private L4Binding l4;
    private L7Node l7;
    private String ioDescription = "";
    private boolean closed;

    /** Refuses the first packet-mode listener of a node that started without one (its agents have no L4 stage). */
    static final RuntimeStep NO_PACKET_MODE = new RuntimeStep() {
        @Override
        public String name() {
            return "l4-listeners-and-groups";
        }

        @Override
        public Optional<String> check(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
            return L4Binding.hasPacketListeners(next) ? Optional.of("listeners: this node started without packet-mode "
                + "(fullnat/dnat) listeners, so its agents run without the L4 stage; adding the first one needs a restart "
                + "(once a node has one, listeners are added and removed live)") : Optional.empty();
        }

        @Override
        public void apply(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
            // nothing: check() refuses every change this step would have to act on
        }

        @Override
        public void rollback(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
            // nothing was applied
        }
    };

    NodeConductor(final FulcrumConfig config, final PrintStream log) {
        this.config = config;
        this.log = log;
    }

    /** Starts everything; on failure closes what was started and rethrows. */
    void start() throws Exception {
        try {
            final Path runDir = config.node().runDir();
            Files.createDirectories(runDir);
            counters = CountersFile.create(runDir.resolve(StatsCommand.COUNTERS_FILE_NAME), MAX_COUNTERS);
            log.println("fulcrum: counters in " + counters.path());
            final List<AfPacketChecks.Finding> kernel = io.fulcrum.control.checks.KernelChecks.run(config.dataplane());
            if (AfPacketChecks.hasErrors(kernel)) {
                throw new IllegalStateException("the kernel is not set up for packet mode:\n" + AfPacketChecks.format(kernel));
            }
            kernel.forEach(finding -> log.println("fulcrum: warning: " + finding));
            if (L4Binding.hasPacketListeners(config)) {
                l4 = L4Binding.build(config, runDir, counters.manager(), System.nanoTime() / 1_000_000L);
                log.println("fulcrum: " + l4.listenerCount() + " L4 listener(s), flow table "
                    + config.dataplane().flowTable().capacity() + " flows per agent in " + runDir);
            }
            if (config.dataplane().interfaces().isEmpty()) {
                ioDescription = "none (no dataplane interfaces: no packet mode)";
            } else {
                startDataplane(config.dataplane());
            }
            if (l4 != null) {
                l4.everyFrameIo(!ioDescription.startsWith("af_xdp"));
            }
            l7 = L7Node.start(config, CounterStore.of(counters.manager()), log);
            startControlPlane();
        } catch (final Exception | Error e) {
            close();
            throw e;
        }
    }

    private void startDataplane(final DataplaneConfig dataplane) {
        final PacketIo[][] ports = openAllPorts(dataplane);
        for (int agentId = 0; agentId < dataplane.agents(); agentId++) {
            final ForwarderConfiguration configuration = DataplaneBinding.forwarder(dataplane, agentId);
            for (final PacketIo port : ports[agentId]) {
                log.println("fulcrum: agent-" + agentId + " port " + port.name() + " mac "
                    + MacAddress.format(port.macAddress()) + " mtu " + port.mtu());
            }
            final ForwarderAgent agent;
            if (l4 == null) {
                agent = new ForwarderAgent(configuration, ports[agentId], counters.manager(), new SystemNanoClock());
            } else {
                final String[] names = new String[ports[agentId].length];
                for (int i = 0; i < names.length; i++) {
                    names[i] = ports[agentId][i].name();
                }
                final L4Stage stage = l4.runtime().newForwarder(agentId, System.nanoTime() / 1_000_000L);
                agent = new ForwarderAgent(configuration, ports[agentId],
                    new ForwarderCounters(counters.manager(), agentId, names), new SystemNanoClock(), stage, null);
            }
            // from here the agent owns its ports and closes them in onClose
            for (final PacketIo port : ports[agentId]) {
                openPorts.remove(port);
            }
            runners.add(ForwarderAgentRunner.start(agent, configuration, counters.manager()));
        }
    }

    /**
     * The running state and the operators' side: control channel, audit log, metrics and status page. Parts that
     * act on listeners and groups register a {@link io.fulcrum.control.runtime.RuntimeStep} on {@link #runtime}
     * before the control plane starts (see docs/control-protocol.md, "Wiring").
     */
    private void startControlPlane() throws java.io.IOException {
        final L4Binding packetMode = l4;
        final L7Groups stageGroups = l7 == null ? null : l7.groups();
        final FlowFiles flows = packetMode == null ? null : new FlowFiles(java.util.stream.IntStream
            .range(0, packetMode.runtime().agents()).mapToObj(agent -> L4Runtime.flowTableFile(config.node().runDir(), agent))
            .toList());
        final CountersDataplaneState state = new CountersDataplaneState(counters.reader(),
            new CountersDataplaneState.HealthSource() {
                @Override
                public BackendHealth health(final String group, final BackendConfig backend) {
                    if (packetMode != null && packetMode.hasGroup(group)) {
                        return packetMode.health(group, backend);
                    }
                    final BackendHealth l7Health = stageGroups == null ? null : stageGroups.health(group, backend);
                    return l7Health == null ? BackendHealth.PENDING : l7Health;
                }

                @Override
                public String detail(final String group, final BackendConfig backend) {
                    if (packetMode != null && packetMode.hasGroup(group)) {
                        return packetMode.healthDetail(group, backend);
                    }
                    return stageGroups == null ? "" : stageGroups.healthDetail(group, backend);
                }
            }, flows, () -> runtime.current());
        runtime = new ConductorRuntime(config, FeatureGate.DEFAULT, state, log);
        if (packetMode != null) {
            runtime.register(packetMode.step());
        } else {
            runtime.register(NO_PACKET_MODE);
        }
        controlPlane = ControlPlane.builder().config(config).runtime(runtime).state(state).counters(counters.reader())
            .log(log).start();
        if (l7 != null) {
            l7.registerHistograms(controlPlane.histograms());
        }
        log.println("fulcrum: control channel " + config.control().channel() + " in " + controlPlane.aeronDir()
            + (controlPlane.httpPort() > 0 ? ", metrics and status page on " + config.control().metrics().get().address() : ""));
    }

    /** Queues a reload of the configuration file on the control thread (SIGHUP). */
    void reload(final Path configFile) {
        if (controlPlane != null) {
            controlPlane.requestReload(configFile);
        }
    }

    /**
     * Opens one port per agent and interface. {@code io: auto} tries AF_XDP first (agent i on queue i) and
     * falls back to AF_PACKET when any AF_XDP port cannot be opened, saying why.
     */
    private PacketIo[][] openAllPorts(final DataplaneConfig dataplane) {
        final int[] owned = DataplaneBinding.ownedAddresses(dataplane);
        final boolean dnat = config.listeners().stream().anyMatch(l -> l.protocol().isL4() && l.mode() == ForwardingMode.DNAT);
        if (dnat && dataplane.io() == IoMode.AF_XDP) {
            throw new IllegalStateException("dnat listeners need io: af_packet or auto: DNAT replies are addressed to "
                + "clients, and the AF_XDP redirect program only takes frames for the load balancer's own addresses");
        }
        if (dnat && dataplane.io() == IoMode.AUTO) {
            ioDescription = "af_packet (auto: dnat listeners need every frame, the AF_XDP program takes only owned addresses)";
        } else if (dataplane.io() == IoMode.AF_XDP || dataplane.io() == IoMode.AUTO) {
            try {
                final PacketIo[][] ports = openPorts(dataplane, (iface, agentId, index) -> XdpPacketIo.open(
                    xdpConfiguration(dataplane, iface.name(), agentId, owned)));
                final String attach = ((XdpPacketIo) ports[0][0]).attachDescription();
                ioDescription = "af_xdp " + attach + (dataplane.io() == IoMode.AUTO ? " (auto: AF_XDP works here)" : "");
                log.println("fulcrum: packet I/O " + ioDescription);
                return ports;
            } catch (final RuntimeException e) {
                if (dataplane.io() == IoMode.AF_XDP) {
                    throw e;
                }
                log.println("fulcrum: AF_XDP cannot be used here, falling back to AF_PACKET: " + e.getMessage());
                ioDescription = "af_packet (auto: AF_XDP failed: " + firstLine(e.getMessage()) + ")";
            }
        } else if (!dnat || dataplane.io() != IoMode.AUTO) {
            ioDescription = "af_packet (configured)";
        }
        final List<String> names = dataplane.interfaces().stream().map(InterfaceConfig::name).toList();
        for (final AfPacketChecks.Finding warning : AfPacketChecks.enforce(AfPacketChecks.run(names, owned))) {
            log.println("fulcrum: warning: " + warning);
        }
        final CbpfProgram steering = ownerSteering(dataplane);
        if (dataplane.agents() > 1) {
            ioDescription += steering != null
                ? ", fanout owner (PACKET_FANOUT_CBPF, " + steering.size() + " instructions)"
                : ", fanout hash (PACKET_FANOUT_HASH; replies to another agent's flow take the handoff)";
        }
        if (dataplane.afPacketVnetHeader() != AfPacketVnetHeader.OFF) {
            ioDescription += ", virtio headers (GSO and partial checksums; " + dataplane.afPacketGsoRingSize() + " frames of "
                + AfPacketConfiguration.VNET_FRAME_SIZE / 1024 + " KiB per ring)";
        }
        log.println("fulcrum: packet I/O " + ioDescription);
        return openPorts(dataplane, (iface, agentId, index) -> openAfPacket(dataplane,
            afPacketConfiguration(dataplane, iface, index, steering)));
    }

    /**
     * Opens an AF_PACKET port with virtio headers unless they are off; with {@code auto} a kernel that refuses
     * PACKET_VNET_HDR gets the plain port and a warning (the later ports of the node then do the same).
     */
    private PacketIo openAfPacket(final DataplaneConfig dataplane, final AfPacketConfiguration plain) {
        final AfPacketVnetHeader mode = dataplane.afPacketVnetHeader();
        if (mode == AfPacketVnetHeader.OFF || vnetRefused) {
            return AfPacketIo.open(plain);
        }
        try {
            return AfPacketIo.open(plain.withVnetHeader(true, dataplane.afPacketGsoRingSize()));
        } catch (final IllegalStateException e) {
            if (mode == AfPacketVnetHeader.ON || !String.valueOf(e.getMessage()).contains("PACKET_VNET_HDR")) {
                throw e;
            }
            vnetRefused = true;
            log.println("fulcrum: warning: " + e.getMessage() + "; AF_PACKET without virtio headers (GSO frames from peers"
                + " with TSO/GSO or checksum offload on cannot be forwarded: turn those offloads off on them)");
            return AfPacketIo.open(plain);
        }
    }

    private PacketIo[][] openPorts(final DataplaneConfig dataplane, final PortOpener opener) {
        final PacketIo[][] ports = new PacketIo[dataplane.agents()][dataplane.interfaces().size()];
        final List<PacketIo> opened = new ArrayList<>();
        try {
            for (int agentId = 0; agentId < ports.length; agentId++) {
                for (int i = 0; i < ports[agentId].length; i++) {
                    ports[agentId][i] = opener.open(dataplane.interfaces().get(i), agentId, i);
                    opened.add(ports[agentId][i]);
                }
            }
        } catch (final RuntimeException e) {
            CloseHelper.quietCloseAll(opened);
            throw e;
        }
        openPorts.addAll(opened);
        return ports;
    }

    private static XdpConfiguration xdpConfiguration(final DataplaneConfig dataplane, final String iface, final int queue,
                                                     final int[] owned) {
        final XdpConfiguration.Mode mode = switch (dataplane.xdpMode()) {
            case AUTO -> XdpConfiguration.Mode.AUTO;
            case NATIVE -> XdpConfiguration.Mode.NATIVE;
            case GENERIC -> XdpConfiguration.Mode.GENERIC;
        };
        final XdpConfiguration.ZeroCopy zeroCopy = switch (dataplane.zeroCopy()) {
            case AUTO -> XdpConfiguration.ZeroCopy.AUTO;
            case ON -> XdpConfiguration.ZeroCopy.ON;
            case OFF -> XdpConfiguration.ZeroCopy.OFF;
        };
        return XdpConfiguration.defaults(iface).withQueueId(queue).withFrames(dataplane.ringSize() * 2, dataplane.frameSize())
            .withMode(mode).withZeroCopy(zeroCopy).withOwnedAddresses(owned);
    }

    /**
     * The fanout program that hands each frame to the agent owning its flow ({@link OwnerSteeringProgram}, built from
     * the packet listeners' VIPs, which change only with a restart), or null for hash fanout: one agent, {@code
     * af-packet-fanout: hash}, or more VIPs than one program holds. Agents open their ports in agent order, so
     * the socket index the program returns is the agent id.
     */
    private CbpfProgram ownerSteering(final DataplaneConfig dataplane) {
        if (dataplane.agents() < 2 || dataplane.afPacketFanout() != AfPacketFanout.OWNER) {
            return null;
        }
        final int[] vips = config.listeners().stream().filter(l -> l.protocol().isL4() && l.mode() != ForwardingMode.PROXY)
            .filter(l -> l.vip().isIpv4()).mapToInt(l -> l.vip().ipv4()).distinct().toArray();
        if (!OwnerSteeringProgram.fits(vips.length)) {
            log.println("fulcrum: warning: " + vips.length + " VIPs do not fit one fanout program (at most "
                + OwnerSteeringProgram.MAX_VIPS + "): using hash fanout, replies to another agent's flow take the handoff");
            return null;
        }
        return OwnerSteeringProgram.build(dataplane.agents(), vips);
    }

    private static AfPacketConfiguration afPacketConfiguration(final DataplaneConfig dataplane, final InterfaceConfig iface,
                                                               final int interfaceIndex, final CbpfProgram steering) {
        AfPacketConfiguration configuration = AfPacketConfiguration.of(iface.name())
            .withRing(dataplane.ringSize(), dataplane.frameSize());
        if (dataplane.agents() > 1) {
            final int group = (int) ((ProcessHandle.current().pid() * 31 + interfaceIndex) & 0xffff);
            configuration = steering != null ? configuration.withFanoutProgram(group, steering)
                : configuration.withFanout(group, AfPacketConfiguration.FanoutMode.HASH);
        }
        return configuration;
    }

    private static String firstLine(final String text) {
        if (text == null) {
            return "unknown error";
        }
        final int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /** Opens the port of one agent on one interface. */
    @FunctionalInterface
    private interface PortOpener {
        PacketIo open(InterfaceConfig iface, int agentId, int interfaceIndex);
    }

    String ioDescription() {
        return ioDescription;
    }

    int agentCount() {
        return runners.size();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        CloseHelper.quietClose(controlPlane);
        CloseHelper.quietClose(l7);
        CloseHelper.quietCloseAll(runners);
        CloseHelper.quietCloseAll(openPorts);
        CloseHelper.quietClose(l4);
        CloseHelper.quietClose(counters);
    }
}
