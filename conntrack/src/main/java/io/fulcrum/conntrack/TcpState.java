package io.fulcrum.conntrack;

/**
 * LVS connection-tracking TCP states, as {@code int} constants stored in one byte of the flow entry.
 * Numbering and names follow {@code IP_VS_TCP_S_*} in Linux {@code net/netfilter/ipvs/ip_vs_proto_tcp.c}.
 */
public final class TcpState {
    /** No packet seen yet (also the state of UDP and ICMP flows). */
    public static final int NONE = 0;
    /** Three-way handshake completed. */
    public static final int ESTABLISHED = 1;
    /** SYN seen from the backend side. */
    public static final int SYN_SENT = 2;
    /** SYN seen from the client. */
    public static final int SYN_RECV = 3;
    /** FIN seen from the backend. */
    public static final int FIN_WAIT = 4;
    /** FIN seen from both sides. */
    public static final int TIME_WAIT = 5;
    /** RST seen, or closed. */
    public static final int CLOSE = 6;
    /** FIN seen from the client. */
    public static final int CLOSE_WAIT = 7;
    /** Waiting for the last ACK. */
    public static final int LAST_ACK = 8;
    /** Listen (LVS uses it for FTP data connections). */
    public static final int LISTEN = 9;
    /** SYN-ACK seen (LVS secure_tcp). */
    public static final int SYNACK = 10;
    /** Number of states. */
    public static final int COUNT = 11;

    private static final String[] NAMES = {
        "NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK",
    };

    private TcpState() {
    }

    /**
     * Name of a state, for logs and metrics labels.
     *
     * @param state one of the constants.
     * @return its LVS name.
     * @throws IllegalArgumentException if {@code state} is not a state.
     */
    public static String name(final int state) {
        if (state < 0 || state >= COUNT) {
            throw new IllegalArgumentException("not a TCP state: " + state);
        }
        return NAMES[state];
    }

    /**
     * Parses a state name (case-insensitive), for configuration.
     *
     * @param name an LVS state name such as {@code ESTABLISHED} or {@code syn_recv}.
     * @return the state constant.
     * @throws IllegalArgumentException naming the valid states if {@code name} is not one.
     */
    public static int parse(final String name) {
        for (int i = 0; i < COUNT; i++) {
            if (NAMES[i].equalsIgnoreCase(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown TCP state '" + name + "', expected one of " + String.join(", ", NAMES));
    }
}
