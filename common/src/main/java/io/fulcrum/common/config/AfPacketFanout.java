package io.fulcrum.common.config;

/** How several agents split an interface's frames over AF_PACKET ({@code dataplane.af-packet-fanout}). */
public enum AfPacketFanout {
    /**
     * PACKET_FANOUT_CBPF with a program that sends each frame to the agent owning its flow (the same port modulo
     * the L4 path uses), so replies need no cross-agent handoff.
     */
    OWNER("owner"),
    /** PACKET_FANOUT_HASH by the kernel's flow hash; frames of another agent's flow take the handoff. */
    HASH("hash");

    private final String token;

    AfPacketFanout(final String token) {
        this.token = token;
    }

    /** The word used in the configuration file. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
