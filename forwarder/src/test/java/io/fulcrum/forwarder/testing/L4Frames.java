package io.fulcrum.forwarder.testing;

import static io.fulcrum.forwarder.testing.L4Harness.LOCAL_IP;
import static io.fulcrum.forwarder.testing.L4Harness.VIP;
import static io.fulcrum.forwarder.testing.TestNet.BACKEND_IP;
import static io.fulcrum.forwarder.testing.TestNet.BACKEND_MAC;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_IP;
import static io.fulcrum.forwarder.testing.TestNet.CLIENT_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB0_MAC;
import static io.fulcrum.forwarder.testing.TestNet.LB1_MAC;

/**
 * The IPv4 frames of the L4 fixtures on {@link L4Harness}'s topology, one builder per direction: what arrives
 * (from the client, from a backend) and what must leave (TTL decremented) in FULLNAT and DNAT.
 */
public final class L4Frames {
    private L4Frames() {
    }

    /** Client → VIP on port 0. */
    public static PacketBuilder fromClient() {
        return PacketBuilder.ethernet(CLIENT_MAC, LB0_MAC).ipv4(CLIENT_IP, VIP);
    }

    /** VIP → client out of port 0 (either mode's reply). */
    public static PacketBuilder toClient() {
        return PacketBuilder.ethernet(LB0_MAC, CLIENT_MAC).ipv4(VIP, CLIENT_IP).ttl(63);
    }

    /** FULLNAT: local address → backend out of port 1. */
    public static PacketBuilder toBackendFullNat() {
        return PacketBuilder.ethernet(LB1_MAC, BACKEND_MAC).ipv4(LOCAL_IP, BACKEND_IP).ttl(63);
    }

    /** FULLNAT: backend → local address on port 1. */
    public static PacketBuilder fromBackendFullNat() {
        return PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).ipv4(BACKEND_IP, LOCAL_IP);
    }

    /** DNAT: client → backend out of port 1. */
    public static PacketBuilder toBackendDnat() {
        return PacketBuilder.ethernet(LB1_MAC, BACKEND_MAC).ipv4(CLIENT_IP, BACKEND_IP).ttl(63);
    }

    /** DNAT: backend → client on port 1 (routed through the load balancer). */
    public static PacketBuilder fromBackendDnat() {
        return PacketBuilder.ethernet(BACKEND_MAC, LB1_MAC).ipv4(BACKEND_IP, CLIENT_IP);
    }
}
