package io.fulcrum.conntrack;

/**
 * The LVS TCP state transition table ({@code tcp_states[]} in Linux {@code ip_vs_proto_tcp.c}), without the
 * {@code secure_tcp} variant: next state from current state, packet direction and TCP flags.
 *
 * <p>Directions follow LVS: {@link #INPUT} is client→LB (the flow's original direction), {@link #OUTPUT} is
 * backend→LB (the reply direction), {@link #INPUT_ONLY} is client→LB on flows that never see replies (LVS
 * uses it for DR/TUN; FULLNAT and DNAT see both directions). The flag that selects the row is, in LVS
 * order of precedence: RST, then SYN, then FIN, then ACK; a segment with none of them moves the flow to
 * CLOSE, as in LVS ({@code set_tcp_state} starts from {@code IP_VS_TCP_S_CLOSE}).
 */
public final class TcpStateMachine {
    /** Client→LB, original direction. */
    public static final int INPUT = 0;
    /** Backend→LB, reply direction. */
    public static final int OUTPUT = 1;
    /** Client→LB on a flow whose replies bypass the LB. */
    public static final int INPUT_ONLY = 2;

    /** TCP header flag bit FIN. */
    public static final int TCP_FIN = 0x01;
    /** TCP header flag bit SYN. */
    public static final int TCP_SYN = 0x02;
    /** TCP header flag bit RST. */
    public static final int TCP_RST = 0x04;
    /** TCP header flag bit ACK. */
    public static final int TCP_ACK = 0x10;

    private static final int SNO = TcpState.NONE;
    private static final int SES = TcpState.ESTABLISHED;
    private static final int SSS = TcpState.SYN_SENT;
    private static final int SSR = TcpState.SYN_RECV;
    private static final int SFW = TcpState.FIN_WAIT;
    private static final int STW = TcpState.TIME_WAIT;
    private static final int SCL = TcpState.CLOSE;
    private static final int SCW = TcpState.CLOSE_WAIT;
    private static final int SLA = TcpState.LAST_ACK;
    private static final int SLI = TcpState.LISTEN;
    private static final int SSA = TcpState.SYNACK;

    private static final int EVENT_SYN = 0;
    private static final int EVENT_FIN = 1;
    private static final int EVENT_ACK = 2;
    private static final int EVENT_RST = 3;
    private static final int EVENTS = 4;

    /** [direction][event][state], copied from Linux {@code tcp_states[]}. */
    private static final int[][][] TABLE = {
        {   // INPUT
            // sNO, sES, sSS, sSR, sFW, sTW, sCL, sCW, sLA, sLI, sSA
            {SSR, SES, SES, SSR, SSR, SSR, SSR, SSR, SSR, SSR, SSR},  // syn
            {SCL, SCW, SSS, STW, STW, STW, SCL, SCW, SLA, SLI, STW},  // fin
            {SCL, SES, SSS, SES, SFW, STW, SCL, SCW, SCL, SLI, SES},  // ack
            {SCL, SCL, SCL, SSR, SCL, SCL, SCL, SCL, SLA, SLI, SSR},  // rst
        },
        {   // OUTPUT
            {SSS, SES, SSS, SSR, SSS, SSS, SSS, SSS, SSS, SLI, SSR},  // syn
            {STW, SFW, SSS, STW, SFW, STW, SCL, STW, SLA, SLI, STW},  // fin
            {SES, SES, SSS, SES, SFW, STW, SCL, SCW, SLA, SES, SES},  // ack
            {SCL, SCL, SSS, SCL, SCL, STW, SCL, SCL, SCL, SCL, SCL},  // rst
        },
        {   // INPUT_ONLY
            {SSR, SES, SES, SSR, SSR, SSR, SSR, SSR, SSR, SSR, SSR},  // syn
            {SCL, SFW, SSS, STW, SFW, STW, SCL, SCW, SLA, SLI, STW},  // fin
            {SCL, SES, SSS, SES, SFW, STW, SCL, SCW, SCL, SLI, SES},  // ack
            {SCL, SCL, SCL, SSR, SCL, SCL, SCL, SCL, SLA, SLI, SCL},  // rst
        },
    };

    /** Flattened [direction * EVENTS * COUNT + event * COUNT + state] for one array load per packet. */
    private static final byte[] FLAT = flatten();

    private TcpStateMachine() {
    }

    /**
     * Next state after a segment.
     *
     * @param state current state, one of {@link TcpState}.
     * @param direction {@link #INPUT}, {@link #OUTPUT} or {@link #INPUT_ONLY}.
     * @param tcpFlags the TCP header flags byte (only FIN, SYN, RST and ACK are looked at).
     * @return the next state.
     */
    public static int next(final int state, final int direction, final int tcpFlags) {
        final int event;
        if ((tcpFlags & TCP_RST) != 0) {
            event = EVENT_RST;
        } else if ((tcpFlags & TCP_SYN) != 0) {
            event = EVENT_SYN;
        } else if ((tcpFlags & TCP_FIN) != 0) {
            event = EVENT_FIN;
        } else if ((tcpFlags & TCP_ACK) != 0) {
            event = EVENT_ACK;
        } else {
            return TcpState.CLOSE;
        }
        return FLAT[(direction * EVENTS + event) * TcpState.COUNT + state];
    }

    private static byte[] flatten() {
        final byte[] flat = new byte[3 * EVENTS * TcpState.COUNT];
        for (int d = 0; d < 3; d++) {
            for (int e = 0; e < EVENTS; e++) {
                for (int s = 0; s < TcpState.COUNT; s++) {
                    flat[(d * EVENTS + e) * TcpState.COUNT + s] = (byte) TABLE[d][e][s];
                }
            }
        }
        return flat;
    }
}
