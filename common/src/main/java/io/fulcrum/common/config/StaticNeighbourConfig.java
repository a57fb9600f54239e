package io.fulcrum.common.config;

/**
 * A permanent neighbour entry ({@code dataplane.neighbours.static[]}).
 *
 * @param address IPv4 address in network order
 * @param mac MAC address in the low 48 bits (see {@link MacAddress})
 * @param interfaceName interface it is reachable on
 */
public record StaticNeighbourConfig(
        int address,
        long mac,
        String interfaceName) {
}
