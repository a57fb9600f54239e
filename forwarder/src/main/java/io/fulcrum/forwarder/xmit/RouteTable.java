package io.fulcrum.forwarder.xmit;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Static IPv4 routes for destinations that are on no link of the agent (clients behind a router, backends in
 * other subnets): longest prefix first, then configuration order. Immutable; built by the conductor and shared
 * by the agents in an L4 snapshot. Lookups scan the few routes a load balancer has and allocate nothing.
 */
public final class RouteTable {
    /** No route matched. */
    public static final int NO_ROUTE = -1;
    /** A table without routes. */
    public static final RouteTable EMPTY = new RouteTable(new Route[0]);

    private final int[] networks;
    private final int[] masks;
    private final int[] gateways;
    private final int[] ports;

    /**
     * One route.
     *
     * @param network      the prefix's network address.
     * @param prefixLength 0–32.
     * @param gateway      the next hop (on the port's link), or 0 for a direct route (the destination itself).
     * @param port         the agent port (interface index) to send through.
     */
    public record Route(int network, int prefixLength, int gateway, int port) {
        public Route {
            if (prefixLength < 0 || prefixLength > 32) {
                throw new IllegalArgumentException("route prefix length must be 0..32: " + prefixLength);
            }
            if (port < 0) {
                throw new IllegalArgumentException("route port must be >= 0: " + port);
            }
        }
    }

    public RouteTable(final Route[] routes) {
        final Route[] sorted = routes.clone();
        Arrays.sort(sorted, Comparator.comparingInt(Route::prefixLength).reversed());
        networks = new int[sorted.length];
        masks = new int[sorted.length];
        gateways = new int[sorted.length];
        ports = new int[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            final int mask = sorted[i].prefixLength() == 0 ? 0 : -1 << (32 - sorted[i].prefixLength());
            masks[i] = mask;
            networks[i] = sorted[i].network() & mask;
            gateways[i] = sorted[i].gateway();
            ports[i] = sorted[i].port();
        }
    }

    /** The index of the best route for {@code destination}, or {@link #NO_ROUTE}. */
    public int lookup(final int destination) {
        final int[] masks = this.masks;
        for (int i = 0; i < masks.length; i++) {
            if ((destination & masks[i]) == networks[i]) {
                return i;
            }
        }
        return NO_ROUTE;
    }

    /** The next hop of route {@code index} for {@code destination}: its gateway, or the destination if direct. */
    public int nextHop(final int index, final int destination) {
        final int gateway = gateways[index];
        return gateway != 0 ? gateway : destination;
    }

    /** The port of route {@code index}. */
    public int port(final int index) {
        return ports[index];
    }

    /** Number of routes. */
    public int size() {
        return masks.length;
    }

    /** The gateway of route {@code index}, 0 for a direct route. */
    public int gateway(final int index) {
        return gateways[index];
    }
}
