package io.fulcrum.control;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.fulcrum.common.config.DataplaneConfig;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.InterfaceConfig;
import io.fulcrum.common.config.IoMode;
import io.fulcrum.common.config.MacAddress;
import io.fulcrum.common.counters.CountersFile;
import io.fulcrum.forwarder.ForwarderConfiguration;
import io.fulcrum.forwarder.agent.ForwarderAgent;
import io.fulcrum.forwarder.agent.ForwarderAgentRunner;
import io.fulcrum.forwarder.io.PacketIo;
import io.fulcrum.forwarder.io.afpacket.AfPacketChecks;
import io.fulcrum.forwarder.io.afpacket.AfPacketConfiguration;
import io.fulcrum.forwarder.io.afpacket.AfPacketIo;
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
    private CountersFile counters;
    private String ioDescription = "";
    private boolean closed;

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
            startDataplane(config.dataplane());
        } catch (final Exception | Error e) {
            close();
            throw e;
        }
    }

    private void startDataplane(final DataplaneConfig dataplane) {
        final IoMode io = chooseIo(dataplane);
        for (int agentId = 0; agentId < dataplane.agents(); agentId++) {
            final ForwarderConfiguration configuration = DataplaneBinding.forwarder(dataplane, agentId);
            final PacketIo[] ports = new PacketIo[dataplane.interfaces().size()];
            for (int i = 0; i < ports.length; i++) {
                ports[i] = openPort(io, dataplane, dataplane.interfaces().get(i), i);
                openPorts.add(ports[i]);
                log.println("fulcrum: agent-" + agentId + " port " + ports[i].name() + " mac "
                    + MacAddress.format(ports[i].macAddress()) + " mtu " + ports[i].mtu());
            }
            final ForwarderAgent agent = new ForwarderAgent(configuration, ports, counters.manager(), new SystemNanoClock());
            // from here the agent owns its ports and closes them in onClose
            for (final PacketIo port : ports) {
                openPorts.remove(port);
            }
            runners.add(ForwarderAgentRunner.start(agent, configuration, counters.manager()));
        }
    }

    private IoMode chooseIo(final DataplaneConfig dataplane) {
        final List<String> names = dataplane.interfaces().stream().map(InterfaceConfig::name).toList();
        final int[] owned = DataplaneBinding.ownedAddresses(dataplane);
        switch (dataplane.io()) {
            case AF_PACKET, AUTO -> {
                final List<AfPacketChecks.Finding> warnings = AfPacketChecks.enforce(AfPacketChecks.run(names, owned));
                for (final AfPacketChecks.Finding warning : warnings) {
                    log.println("fulcrum: warning: " + warning);
                }
                ioDescription = dataplane.io() == IoMode.AUTO
                    ? "af_packet (auto: AF_XDP support is not in this build)" : "af_packet (configured)";
                log.println("fulcrum: packet I/O " + ioDescription);
                return IoMode.AF_PACKET;
            }
            default -> throw new IllegalStateException("io " + dataplane.io().name().toLowerCase(Locale.ROOT)
                + " is not available in this build");
        }
    }

    private PacketIo openPort(final IoMode io, final DataplaneConfig dataplane, final InterfaceConfig iface,
                              final int interfaceIndex) {
        if (io != IoMode.AF_PACKET) {
            throw new IllegalStateException("unsupported io " + io);
        }
        AfPacketConfiguration configuration = AfPacketConfiguration.of(iface.name())
            .withRing(dataplane.ringSize(), dataplane.frameSize());
        if (dataplane.agents() > 1) {
            final int group = (int) ((ProcessHandle.current().pid() * 31 + interfaceIndex) & 0xffff);
            configuration = configuration.withFanout(group, AfPacketConfiguration.FanoutMode.HASH);
        }
        return AfPacketIo.open(configuration);
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
        CloseHelper.quietCloseAll(runners);
        CloseHelper.quietCloseAll(openPorts);
        CloseHelper.quietClose(counters);
    }
}
