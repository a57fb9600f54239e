package io.fulcrum.forwarder.xmit;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.neighbour.NeighbourTable;
import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.stage.ArpStage;
import io.fulcrum.forwarder.stage.DropReason;
import io.fulcrum.forwarder.stage.L4Context;
import io.fulcrum.forwarder.stage.Verdict;

/**
 * The last step of every forwarded packet: choose the port and next hop for the new destination (on-link
 * directly, else through the {@link RouteTable}), resolve its MAC through the agent's neighbour table (an
 * unknown MAC sends a rate-limited ARP request and drops the packet, counted) and write the Ethernet
 * addresses. One per agent; allocation-free.
 */
public final class NextHop {
    private final L4Context context;

    public NextHop(final L4Context context) {
        this.context = context;
    }

    /**
     * Writes the Ethernet addresses of the frame at {@code frameOffset} for {@code destination}.
     *
     * @return the port to transmit on, or a drop {@link Verdict} ({@code no-route}, {@code next-hop-unresolved}).
     */
    public int route(final MemorySegment segment, final long frameOffset, final int destination, final RouteTable routes,
                     final long nowMs) {
        final ArpStage arp = context.arp();
        int port = arp.portFor(destination);
        final long mac;
        if (port >= 0) {
            mac = arp.resolve(destination, nowMs);
        } else {
            final int route = routes.lookup(destination);
            if (route == RouteTable.NO_ROUTE) {
                return Verdict.drop(DropReason.NO_ROUTE);
            }
            port = routes.port(route);
            if (port >= context.portCount()) {
                return Verdict.drop(DropReason.NO_ROUTE);
            }
            mac = arp.resolveOn(routes.nextHop(route, destination), port, nowMs);
        }
        if (mac == NeighbourTable.UNRESOLVED) {
            return Verdict.drop(DropReason.NEXT_HOP_UNRESOLVED);
        }
        Bytes.mac(segment, frameOffset, mac);
        Bytes.mac(segment, frameOffset + 6, context.interfaceAddresses(port).mac());
        return port;
    }

    /** The port a packet to {@code destination} would leave through, or -1 if there is no route. */
    public int portFor(final int destination, final RouteTable routes) {
        final int port = context.arp().portFor(destination);
        if (port >= 0) {
            return port;
        }
        final int route = routes.lookup(destination);
        return route == RouteTable.NO_ROUTE ? -1 : routes.port(route);
    }
}
