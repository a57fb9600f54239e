package io.fulcrum.common.config;

/**
 * A static route ({@code dataplane.routes[]}).
 *
 * @param prefix destination prefix (host bits clear)
 * @param via next-hop IPv4 address in network order, or 0 for a directly connected prefix
 * @param interfaceName outgoing interface
 */
public record RouteConfig(
        Ipv4Cidr prefix,
        int via,
        String interfaceName) {
    /** Whether the prefix is reached directly (no next hop). */
    public boolean isDirect() {
        return via == 0;
    }
}
