package io.fulcrum.common.config;

/**
 * A FULLNAT local address and its source-port range ({@code dataplane.local-addresses[]}).
 *
 * @param address IPv4 address in network order
 * @param ports source ports to allocate
 */
public record LocalAddressConfig(
        int address,
        PortRange ports) {
}
