package io.fulcrum.forwarder.io.afpacket;

import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.ABS;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.ADD;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.ALU;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.AND;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.B;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.H;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.IND;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.JEQ;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.JMP;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.JSET;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.K;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.LD;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.LDX;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.LSH;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.MEM;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.MISC;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.MOD;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.MSH;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.RET;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.RET_A;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.RSH;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.SKF_AD_OFF;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.SKF_AD_PROTOCOL;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.SKF_NET_OFF;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.ST;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.TAX;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.W;
import static io.fulcrum.forwarder.io.afpacket.CbpfProgram.X;

import java.util.Arrays;

/**
 * The {@code PACKET_FANOUT_CBPF} program that hands each frame to the socket of the agent that owns its flow,
 * so replies reach their owner without the cross-agent handoff. It computes the owner exactly as
 * {@code L4Forwarder} does (agent i joins the fanout group i-th, so socket index = agent id):
 *
 * <pre>
 *  owner(port) = (port >>> 1) % agents          (LocalAddressPool.coreOfPort)
 *  IPv4 TCP/UDP (and first fragments):   owner(destination is a VIP ? source port : destination port)
 *      client → VIP            by the client port
 *      FULLNAT backend reply   by the local port (each agent's local ports are owner(p) == agent id)
 *      DNAT backend reply      by the client port (the reply's destination port)
 *  ICMP destination unreachable / time exceeded quoting IPv4 TCP/UDP:
 *                                        owner(quoted source is a VIP ? quoted destination port : quoted source port)
 *  anything else (ARP, other ethertypes, other ICMP, later fragments, frames too short to read): agent 0
 * </pre>
 *
 * <p>The lowest port bit is left out because Linux gives {@code connect()} even ports first: {@code port % agents}
 * would give every Linux client's connection to the even agents.
 *
 * <p>The VIPs are compiled in as constants (two compare chains, about two instructions per VIP), taken from the
 * packet listeners at start; listeners cannot change without a restart in this build. A frame the program gets
 * wrong (say a VIP added later) still reaches its owner through the handoff, so correctness never depends on the
 * program, only the extra copy does. Loads are relative to the network header ({@link CbpfProgram#SKF_NET_OFF}),
 * so the program reads the same bytes whether the kernel runs it on a received or a looped-back outgoing frame;
 * a load past the end of the frame makes the kernel return 0 (agent 0).
 */
public final class OwnerSteeringProgram {
    /** The most VIPs compiled into one program (the program stays far below the kernel's 4096 instructions). */
    public static final int MAX_VIPS = 1024;
    /** The most agents one fanout group can hold (PACKET_FANOUT_MAX). */
    public static final int MAX_AGENTS = 256;

    private static final int ETH_P_IP = 0x0800;
    private static final int PROTOCOL_ICMP = 1;
    private static final int PROTOCOL_TCP = 6;
    private static final int PROTOCOL_UDP = 17;
    private static final int ICMP_DESTINATION_UNREACHABLE = 3;
    private static final int ICMP_TIME_EXCEEDED = 11;
    private static final int FRAGMENT_OFFSET_MASK = 0x1fff;
    private static final int ICMP_HEADER = 8;
    /** Compares per chain link; the link ends with {@code ja} over a trampoline, so every jump stays within 8 bits. */
    private static final int CHAIN_LINK = 200;

    private OwnerSteeringProgram() {
    }

    /**
     * The program for {@code agents} agents and the given VIPs (IPv4 addresses as ints, most significant byte
     * first; duplicates are ignored).
     *
     * @throws IllegalArgumentException if agents is not in [2, {@value #MAX_AGENTS}] or there are more than
     *                                  {@value #MAX_VIPS} distinct VIPs.
     */
    public static CbpfProgram build(final int agents, final int[] vips) {
        if (agents < 2 || agents > MAX_AGENTS) {
            throw new IllegalArgumentException("owner steering needs 2.." + MAX_AGENTS + " agents, got " + agents);
        }
        final int[] distinct = Arrays.stream(vips).distinct().sorted().toArray();
        if (distinct.length > MAX_VIPS) {
            throw new IllegalArgumentException("owner steering compiles at most " + MAX_VIPS + " VIPs, got "
                + distinct.length);
        }
        final int net = SKF_NET_OFF;
        final CbpfProgram.Builder p = CbpfProgram.builder();
        // Conditional jumps reach 255 instructions and the VIP chains can be longer: every "other" exit is a
        // return right after the jumps that take it, and far targets are reached with ja.
        p.stmt(LD | W | ABS, SKF_AD_OFF + SKF_AD_PROTOCOL)
            .jump(JMP | JEQ | K, ETH_P_IP, null, "other")
            .stmt(LD | H | ABS, net + 6)
            .jump(JMP | JSET | K, FRAGMENT_OFFSET_MASK, "other", null)
            .stmt(LDX | B | MSH, net)
            .stmt(LD | B | ABS, net + 9)
            .jump(JMP | JEQ | K, PROTOCOL_TCP, "ports", null)
            .jump(JMP | JEQ | K, PROTOCOL_UDP, "ports", null)
            .jump(JMP | JEQ | K, PROTOCOL_ICMP, null, "other")
            .jumpAlways("icmp")
            .label("other")
            .stmt(RET | K, 0);

        p.label("ports")
            .stmt(LD | W | ABS, net + 16);
        vipChain(p, distinct, "toVip");
        p.stmt(LD | H | IND, net + 2)
            .jumpAlways("owner")
            .label("toVip")
            .stmt(LD | H | IND, net)
            .jumpAlways("owner");

        p.label("icmp")
            .stmt(LD | B | IND, net)
            .jump(JMP | JEQ | K, ICMP_DESTINATION_UNREACHABLE, "icmpError", null)
            .jump(JMP | JEQ | K, ICMP_TIME_EXCEEDED, "icmpError", "icmpOther")
            .label("icmpOther")
            .stmt(RET | K, 0)
            .label("icmpError")
            .stmt(LD | B | IND, net + ICMP_HEADER + 9)
            .jump(JMP | JEQ | K, PROTOCOL_TCP, "quoted", null)
            .jump(JMP | JEQ | K, PROTOCOL_UDP, "quoted", "quotedOther")
            .label("quotedOther")
            .stmt(RET | K, 0)
            .label("quoted")
            .stmt(LD | W | IND, net + ICMP_HEADER + 12)
            .stmt(ST, 0)
            // X = outer header length + quoted header length
            .stmt(LD | B | IND, net + ICMP_HEADER)
            .stmt(ALU | AND | K, 0xf)
            .stmt(ALU | LSH | K, 2)
            .stmt(ALU | ADD | X, 0)
            .stmt(MISC | TAX, 0)
            .stmt(LD | MEM, 0);
        vipChain(p, distinct, "fromVip");
        p.stmt(LD | H | IND, net + ICMP_HEADER)
            .jumpAlways("owner")
            .label("fromVip")
            .stmt(LD | H | IND, net + ICMP_HEADER + 2);

        p.label("owner")
            .stmt(ALU | RSH | K, 1)
            .stmt(ALU | MOD | K, agents)
            .stmt(RET | RET_A, 0);
        return p.build();
    }

    /**
     * Jumps to {@code found} if A is one of {@code vips}, else falls through to the next instruction. Links of
     * {@value #CHAIN_LINK} compares jump to a trampoline {@code ja found} right after them.
     */
    private static void vipChain(final CbpfProgram.Builder p, final int[] vips, final String found) {
        for (int start = 0, link = 0; start < vips.length; start += CHAIN_LINK, link++) {
            final String trampoline = found + "#" + link;
            final String next = found + "#next" + link;
            final int end = Math.min(vips.length, start + CHAIN_LINK);
            for (int i = start; i < end; i++) {
                p.jump(JMP | JEQ | K, vips[i], trampoline, null);
            }
            p.jumpAlways(next)
                .label(trampoline)
                .jumpAlways(found)
                .label(next);
        }
    }

    /** Whether {@code vipCount} distinct VIPs fit into one program. */
    public static boolean fits(final int vipCount) {
        return vipCount <= MAX_VIPS;
    }
}
