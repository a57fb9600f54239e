package io.fulcrum.common.config;

import java.util.List;

/**
 * A network interface the forwarder owns ({@code dataplane.interfaces[]}).
 *
 * @param name kernel interface name
 * @param addresses IPv4 addresses Fulcrum owns here (answers ARP and ping), with their prefix lengths
 */
public record InterfaceConfig(
        String name,
        List<Ipv4Cidr> addresses) {
    /** Copies collections so the record stays immutable. */
    public InterfaceConfig {
        addresses = List.copyOf(addresses);
    }
}
