package io.fulcrum.forwarder.stage;

/**
 * The Agrona counter type ids of the forwarder, in one place so {@code fulcrum stats} can group counters
 * without parsing labels. Every forwarder counter has an 8-byte key:
 *
 * <pre>
 *   0               4               8
 *   +---------------+---------------+
 *   | agent id      | index         |   little-endian ints (Agrona buffer order)
 *   +---------------+---------------+
 * </pre>
 * where {@code index} is the {@link #TRAFFIC} slot, the {@link DropReason} ordinal, the
 * {@link ForwarderEvent} ordinal or the port index, by type. Labels read
 * {@code agent-<id> <group> <name>}, e.g. {@code agent-0 drop ipv4-bad-checksum}.
 */
public final class ForwarderCounterTypes {
    /** Frames and bytes in and out, and the per-frame verdicts (index: the {@code TRAFFIC_*} slots). */
    public static final int TRAFFIC = 1001;
    /** One counter per {@link DropReason}. */
    public static final int DROP = 1002;
    /** One counter per {@link ForwarderEvent}. */
    public static final int EVENT = 1003;
    /** Per port: drops reported by the kernel or ring ({@code PacketIo.kernelDrops()}); index is the port. */
    public static final int PORT_KERNEL_DROPS = 1004;
    /** Errors that escaped the agent's duty cycle into its runner (index 0). */
    public static final int AGENT_ERRORS = 1005;
    /**
     * Per L4 listener and metric ({@code io.fulcrum.forwarder.l4.TrafficCounters}); 12-byte key: agent id, listener
     * id, metric index. Label {@code agent-<id> listener <name> <metric>}.
     */
    public static final int L4_LISTENER = 1006;
    /**
     * Per L4 backend and metric; 12-byte key: agent id, {@code groupIndex << 16 | slot}, metric index. Label
     * {@code agent-<id> backend <group>/<address:port> <metric>}.
     */
    public static final int L4_BACKEND = 1007;

    public static final int TRAFFIC_RX_FRAMES = 0;
    public static final int TRAFFIC_RX_BYTES = 1;
    public static final int TRAFFIC_TX_FRAMES = 2;
    public static final int TRAFFIC_TX_BYTES = 3;
    public static final int TRAFFIC_VERDICT_TRANSMIT = 4;
    public static final int TRAFFIC_VERDICT_CONSUME = 5;
    /** Gauge: flows in the agent's flow table. */
    public static final int TRAFFIC_FLOWS_ACTIVE = 6;
    /** Gauge: free FULLNAT (local address, port) pairs of the agent. */
    public static final int TRAFFIC_LOCAL_PORTS_FREE = 7;

    /** Key length in bytes. */
    public static final int KEY_LENGTH = 8;

    private ForwarderCounterTypes() {
    }
}
