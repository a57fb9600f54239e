package io.fulcrum.common.config;

/**
 * TOA: the client address in a TCP option on FULLNAT TCP listeners ({@code listeners[].toa}).
 *
 * @param enabled whether the option is inserted
 * @param kind option kind for IPv4 clients (length 8)
 * @param kindIpv6 option kind for IPv6 clients (length 20)
 */
public record ToaConfig(
        boolean enabled,
        int kind,
        int kindIpv6) {
}
