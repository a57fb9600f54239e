package io.fulcrum.forwarder.testing;

import io.fulcrum.forwarder.proto.Bytes;

/** Addresses of the test topology (198.18.0.0/15 only, RFC 2544 benchmarking space). */
public final class TestNet {
    /** Port 0 of the agent: 198.18.1.254/24. */
    public static final long LB0_MAC = Bytes.parseMac("02:00:00:00:01:00");
    public static final int LB0_IP = Bytes.parseIpv4("198.18.1.254");
    /** A second address on port 0: 198.18.1.253/24. */
    public static final int LB0_IP2 = Bytes.parseIpv4("198.18.1.253");
    /** Port 1 of the agent: 198.18.2.254/24. */
    public static final long LB1_MAC = Bytes.parseMac("02:00:00:00:01:01");
    public static final int LB1_IP = Bytes.parseIpv4("198.18.2.254");
    /** A client on port 0's link. */
    public static final long CLIENT_MAC = Bytes.parseMac("02:00:00:00:0a:01");
    public static final int CLIENT_IP = Bytes.parseIpv4("198.18.1.1");
    /** Another host on port 0's link. */
    public static final long HOST2_MAC = Bytes.parseMac("02:00:00:00:0a:02");
    public static final int HOST2_IP = Bytes.parseIpv4("198.18.1.2");
    /** A backend on port 1's link. */
    public static final long BACKEND_MAC = Bytes.parseMac("02:00:00:00:0b:01");
    public static final int BACKEND_IP = Bytes.parseIpv4("198.18.2.1");
    /** An address on no link of the agent. */
    public static final int REMOTE_IP = Bytes.parseIpv4("198.19.7.7");
    public static final long BROADCAST_MAC = Bytes.BROADCAST_MAC;

    private TestNet() {
    }
}
