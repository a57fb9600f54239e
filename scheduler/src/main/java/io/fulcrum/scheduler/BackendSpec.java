package io.fulcrum.scheduler;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * What the configuration says about one backend: address, port, weight, role and an optional health-check
 * port. Immutable; the constructor refuses out-of-range values with a message naming the field.
 * The primitive address forms ({@link #ipv4()}, {@link #ipv6High()}, {@link #ipv6Low()}) are computed once so the
 * packet path never calls {@link InetAddress#getAddress()} (which copies).
 */
public final class BackendSpec {
    /** Highest weight. */
    public static final int MAX_WEIGHT = 100;
    /** Default weight. */
    public static final int DEFAULT_WEIGHT = 100;

    private static final long IDENTITY_SEED = 0x6a09_e667_f3bc_c908L;

    private final InetAddress address;
    private final int port;
    private final int weight;
    private final BackendRole role;
    private final int healthCheckPort;
    private final boolean ipv4Address;
    private final int ipv4;
    private final long ipv6High;
    private final long ipv6Low;
    private final long identityHash;

    /**
     * @param address         backend address
     * @param port            1–65535
     * @param weight          0–100; 0 takes no new work
     * @param role            primary or backup
     * @param healthCheckPort 0 = use {@code port}, else 1–65535
     */
    public BackendSpec(final InetAddress address, final int port, final int weight, final BackendRole role,
                       final int healthCheckPort) {
        this.address = Objects.requireNonNull(address, "backend address");
        this.role = Objects.requireNonNull(role, "backend role");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("backend " + address.getHostAddress() + ": port must be 1-65535, got " + port);
        }
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException(
                "backend " + address.getHostAddress() + ":" + port + ": weight must be 0-100, got " + weight);
        }
        if (healthCheckPort < 0 || healthCheckPort > 65535) {
            throw new IllegalArgumentException("backend " + address.getHostAddress() + ":" + port
                + ": health-check port must be 1-65535 (or 0 for the backend port), got " + healthCheckPort);
        }
        this.port = port;
        this.weight = weight;
        this.healthCheckPort = healthCheckPort;
        final byte[] bytes = address.getAddress();
        this.ipv4Address = address instanceof Inet4Address;
        if (ipv4Address) {
            this.ipv4 = ByteBuffer.wrap(bytes).getInt();
            this.ipv6High = 0;
            this.ipv6Low = 0x0000_ffff_0000_0000L | (ipv4 & 0xffff_ffffL);
        } else {
            final ByteBuffer b = ByteBuffer.wrap(bytes);
            this.ipv4 = 0;
            this.ipv6High = b.getLong();
            this.ipv6Low = b.getLong();
        }
        final byte[] identity = ByteBuffer.allocate(bytes.length + 2).put(bytes).putShort((short) port).array();
        this.identityHash = FlowHash.bytes(identity, IDENTITY_SEED);
    }

    /** A primary backend with the backend port used for health checks. */
    public BackendSpec(final InetAddress address, final int port, final int weight) {
        this(address, port, weight, BackendRole.PRIMARY, 0);
    }

    /** Returns a copy with another weight (validated). */
    public BackendSpec withWeight(final int newWeight) {
        return new BackendSpec(address, port, newWeight, role, healthCheckPort);
    }

    public InetAddress address() {
        return address;
    }

    public int port() {
        return port;
    }

    public int weight() {
        return weight;
    }

    public BackendRole role() {
        return role;
    }

    /** The port health checks probe: the override if set, else the backend port. */
    public int healthCheckPort() {
        return healthCheckPort == 0 ? port : healthCheckPort;
    }

    /** True for an IPv4 backend. */
    public boolean isIpv4() {
        return ipv4Address;
    }

    /** IPv4 address as a big-endian int (0 for IPv6 backends). */
    public int ipv4() {
        return ipv4;
    }

    /** High 64 bits of the IPv6 address (IPv4 backends: 0, as in ::ffff:a.b.c.d). */
    public long ipv6High() {
        return ipv6High;
    }

    /** Low 64 bits of the IPv6 address (IPv4 backends: the IPv4-mapped form). */
    public long ipv6Low() {
        return ipv6Low;
    }

    /**
     * A hash of address and port, identical on every node: it orders backends and seeds their Maglev
     * permutations, so tables never depend on the order backends were added in.
     */
    public long identityHash() {
        return identityHash;
    }

    /** Same backend (address and port), whatever the weight and role. */
    public boolean sameEndpoint(final BackendSpec other) {
        return port == other.port && address.equals(other.address);
    }

    @Override
    public String toString() {
        final String host = address.getHostAddress();
        return (ipv4Address ? host : "[" + host + "]") + ":" + port + " weight " + weight
            + (role == BackendRole.BACKUP ? " backup" : "");
    }
}
