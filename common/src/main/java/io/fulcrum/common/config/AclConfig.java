package io.fulcrum.common.config;

import java.util.List;

/**
 * A listener's access control list ({@code listeners[].acl}).
 *
 * @param mode off, allow or deny
 * @param cidrs IPv4/IPv6 prefixes
 */
public record AclConfig(
        AclMode mode,
        List<IpCidr> cidrs) {
    /** Copies collections so the record stays immutable. */
    public AclConfig {
        cidrs = List.copyOf(cidrs);
    }
}
