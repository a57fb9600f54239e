package io.fulcrum.control;

import java.util.ArrayList;
import java.util.List;

import io.fulcrum.common.config.DataplaneConfig;
import io.fulcrum.common.config.InterfaceConfig;
import io.fulcrum.common.config.Ipv4Cidr;
import io.fulcrum.common.config.StaticNeighbourConfig;
import io.fulcrum.forwarder.ForwarderConfiguration;
import io.fulcrum.forwarder.IdleConfiguration;
import io.fulcrum.forwarder.InterfaceConfiguration;
import io.fulcrum.forwarder.StaticNeighbourConfiguration;

/** Maps the YAML data-plane model onto the forwarder's own configuration records. */
final class DataplaneBinding {
    private DataplaneBinding() {
    }

    static ForwarderConfiguration forwarder(final DataplaneConfig dataplane, final int agentId) {
        final List<InterfaceConfiguration> interfaces = new ArrayList<>();
        for (final InterfaceConfig iface : dataplane.interfaces()) {
            final int[] addresses = new int[iface.addresses().size()];
            final int[] prefixes = new int[addresses.length];
            for (int i = 0; i < addresses.length; i++) {
                final Ipv4Cidr cidr = iface.addresses().get(i);
                addresses[i] = cidr.address();
                prefixes[i] = cidr.prefixLength();
            }
            interfaces.add(new InterfaceConfiguration(iface.name(), addresses, prefixes));
        }
        final List<StaticNeighbourConfiguration> neighbours = new ArrayList<>();
        for (final StaticNeighbourConfig n : dataplane.neighbours().staticNeighbours()) {
            neighbours.add(new StaticNeighbourConfiguration(n.address(), n.mac(), n.interfaceName()));
        }
        final int cpu = dataplane.cpus().isEmpty() ? -1 : dataplane.cpus().get(agentId);
        return new ForwarderConfiguration(agentId, interfaces, neighbours,
            dataplane.neighbours().reachableTimeSeconds() * 1000L, ForwarderConfiguration.DEFAULT_RESOLVE_RETRY_INTERVAL_MS,
            ForwarderConfiguration.DEFAULT_NEIGHBOUR_CAPACITY, ForwarderConfiguration.DEFAULT_MAX_PENDING_RESOLUTIONS,
            dataplane.batchSize(), idle(dataplane), cpu, dataplane.realtimePriority());
    }

    static IdleConfiguration idle(final DataplaneConfig dataplane) {
        return switch (dataplane.idleStrategy()) {
            case BACKOFF -> IdleConfiguration.DEFAULT;
            case SPIN -> new IdleConfiguration(IdleConfiguration.Kind.SPIN, 0, 0, 1);
            case YIELD -> new IdleConfiguration(IdleConfiguration.Kind.YIELD, 0, 0, 1);
        };
    }

    /** Every IPv4 address Fulcrum owns on any interface. */
    static int[] ownedAddresses(final DataplaneConfig dataplane) {
        return dataplane.interfaces().stream().flatMap(i -> i.addresses().stream()).mapToInt(Ipv4Cidr::address).toArray();
    }
}
