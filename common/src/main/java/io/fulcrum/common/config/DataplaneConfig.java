package io.fulcrum.common.config;

import java.util.List;
import java.util.Optional;

/**
 * The packet forwarder ({@code dataplane:}).
 *
 * @param io frame I/O implementation
 * @param agents number of forwarder agents (threads), one per core
 * @param cpus CPU per agent (index = agent), or empty for no pinning
 * @param idleStrategy what agents do when idle
 * @param realtimePriority SCHED_FIFO priority 1..99, or 0 for the normal scheduler
 * @param batchSize frames per receive/send batch, power of two
 * @param ringSize frames per ring, power of two
 * @param frameSize bytes per UMEM/ring frame, 2048 or 4096
 * @param xdpMode XDP attach mode
 * @param zeroCopy AF_XDP zero-copy binding
 * @param afPacketFanout how several agents split an interface's frames over AF_PACKET
 * @param afPacketVnetHeader whether AF_PACKET ports use virtio net headers (GSO and partial checksums)
 * @param afPacketGsoRingSize frames per AF_PACKET ring with virtio headers (128 KiB each), power of two
 * @param interfaces interfaces the forwarder owns
 * @param neighbours neighbour (ARP) table settings
 * @param routes static routes
 * @param localAddresses FULLNAT local address pool
 * @param flowTable connection tracking table
 */
public record DataplaneConfig(
        IoMode io,
        int agents,
        List<Integer> cpus,
        IdleStrategyKind idleStrategy,
        int realtimePriority,
        int batchSize,
        int ringSize,
        int frameSize,
        XdpMode xdpMode,
        ZeroCopyMode zeroCopy,
        AfPacketFanout afPacketFanout,
        AfPacketVnetHeader afPacketVnetHeader,
        int afPacketGsoRingSize,
        List<InterfaceConfig> interfaces,
        NeighbourConfig neighbours,
        List<RouteConfig> routes,
        List<LocalAddressConfig> localAddresses,
        FlowTableConfig flowTable) {
    /** Copies collections so the record stays immutable. */
    public DataplaneConfig {
        cpus = List.copyOf(cpus);
        interfaces = List.copyOf(interfaces);
        routes = List.copyOf(routes);
        localAddresses = List.copyOf(localAddresses);
    }

    /** The interface with this name, if any. */
    public Optional<InterfaceConfig> iface(final String name) {
        return interfaces.stream().filter(i -> i.name().equals(name)).findFirst();
    }
}
