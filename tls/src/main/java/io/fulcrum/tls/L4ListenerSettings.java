package io.fulcrum.tls;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * A proxy-mode L4 listener on an ordinary socket: TCP relay or UDP sessions, optionally prefixing each backend
 * connection with a PROXY protocol header.
 *
 * @param id            listener id
 * @param protocol      TCP or UDP
 * @param address       address to bind
 * @param group         backends
 * @param proxyProtocol PROXY header sent to backends
 * @param idleTimeout   idle timeout of a TCP connection or UDP session
 * @param connectTimeout backend connect timeout (TCP)
 * @param resetOnExpiry  TCP: an idle connection is closed with RST on both sides instead of FIN
 * @param tls            TLS termination (a TLS listener: TCP over TLS to TCP backends), or null
 * @param acl            source ACL checked at accept (TCP) or when a session would be created (UDP)
 */
public record L4ListenerSettings(String id, Protocol protocol, InetSocketAddress address, BackendGroupSettings group,
                                 ProxyProtocolVersion proxyProtocol, Duration idleTimeout, Duration connectTimeout,
                                 boolean resetOnExpiry, TlsSettings tls, AclSettings acl) {
    /** Transport protocol. */
    public enum Protocol {
        /** TCP relay. */
        TCP,
        /** UDP sessions. */
        UDP
    }

    /** A listener that closes idle TCP connections with FIN. */
    public L4ListenerSettings(String id, Protocol protocol, InetSocketAddress address, BackendGroupSettings group,
                              ProxyProtocolVersion proxyProtocol, Duration idleTimeout, Duration connectTimeout) {
        this(id, protocol, address, group, proxyProtocol, idleTimeout, connectTimeout, false, null, AclSettings.OFF);
    }

    /** A listener without TLS. */
    public L4ListenerSettings(String id, Protocol protocol, InetSocketAddress address, BackendGroupSettings group,
                              ProxyProtocolVersion proxyProtocol, Duration idleTimeout, Duration connectTimeout,
                              boolean resetOnExpiry) {
        this(id, protocol, address, group, proxyProtocol, idleTimeout, connectTimeout, resetOnExpiry, null, AclSettings.OFF);
    }

    /** A listener without an ACL. */
    public L4ListenerSettings(String id, Protocol protocol, InetSocketAddress address, BackendGroupSettings group,
                              ProxyProtocolVersion proxyProtocol, Duration idleTimeout, Duration connectTimeout,
                              boolean resetOnExpiry, TlsSettings tls) {
        this(id, protocol, address, group, proxyProtocol, idleTimeout, connectTimeout, resetOnExpiry, tls, AclSettings.OFF);
    }

    /** Validates. */
    public L4ListenerSettings {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(group, "group");
        proxyProtocol = proxyProtocol == null ? ProxyProtocolVersion.NONE : proxyProtocol;
        idleTimeout = idleTimeout == null ? Duration.ofSeconds(protocol == Protocol.TCP ? 900 : 90) : idleTimeout;
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
        acl = acl == null ? AclSettings.OFF : acl;
        if (protocol == Protocol.UDP && proxyProtocol == ProxyProtocolVersion.V1) {
            throw new IllegalArgumentException("listener " + id + ": PROXY v1 has no UDP form, use v2");
        }
        if (tls != null && protocol != Protocol.TCP) {
            throw new IllegalArgumentException("listener " + id + ": TLS needs TCP");
        }
        if (idleTimeout.isZero() || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("listener " + id + ": idle timeout must be positive");
        }
    }
}
