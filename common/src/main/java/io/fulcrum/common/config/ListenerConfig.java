package io.fulcrum.common.config;

import java.util.List;
import java.util.Optional;

/**
 * A listener: protocol + VIP:port and how its traffic is handled ({@code listeners[]}).
 *
 * @param name unique name
 * @param protocol protocol
 * @param vip virtual IP address (IPv4 or IPv6)
 * @param port port 1..65535
 * @param mode L4 forwarding mode; always PROXY for HTTP, HTTPS and TLS listeners
 * @param group default backend group; empty only on a redirecting listener
 * @param acl access control
 * @param toa TOA client-address option (TCP, FULLNAT)
 * @param proxyProtocol PROXY protocol header sent to backends
 * @param timeouts timeouts, defaults depend on the protocol
 * @param certificates server certificates (HTTPS, TLS); the first is the default, the rest are chosen by SNI
 * @param tlsPolicy TLS security policy (HTTPS, TLS)
 * @param mtls mutual TLS (HTTPS, TLS)
 * @param http2 HTTP/2 through ALPN (HTTPS)
 * @param redirectTo HTTPS listener every request is redirected to (HTTP)
 * @param rules forwarding rules in file order (HTTP, HTTPS)
 * @param headers headers added towards backends (HTTP, HTTPS)
 * @param maxBodyBytes request body limit, 413 above it (HTTP, HTTPS)
 * @param accessLog access log (HTTP, HTTPS)
 * @param gzip response compression (HTTP, HTTPS)
 * @param proxyProtocolFrom sources trusted to open a connection with a PROXY v1/v2 header (HTTP, HTTPS); empty: none
 */
public record ListenerConfig(
        String name,
        ListenerProtocol protocol,
        IpAddress vip,
        int port,
        ForwardingMode mode,
        Optional<String> group,
        AclConfig acl,
        ToaConfig toa,
        ProxyProtocolVersion proxyProtocol,
        TimeoutsConfig timeouts,
        List<CertificateConfig> certificates,
        TlsPolicy tlsPolicy,
        MtlsConfig mtls,
        boolean http2,
        Optional<String> redirectTo,
        List<RuleConfig> rules,
        HeadersConfig headers,
        long maxBodyBytes,
        Optional<AccessLogConfig> accessLog,
        GzipConfig gzip,
        List<IpCidr> proxyProtocolFrom) {
    /** Copies collections so the record stays immutable. */
    public ListenerConfig {
        certificates = List.copyOf(certificates);
        rules = List.copyOf(rules);
        proxyProtocolFrom = List.copyOf(proxyProtocolFrom);
    }
}
