package io.fulcrum.forwarder.io.xdp;

import static io.fulcrum.forwarder.io.xdp.BpfInsn.ALU_ADD;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.ALU_AND;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.JMP_JEQ;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.JMP_JGT;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.JMP_JNE;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.R0;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.R1;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.R10;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.R2;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.R3;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.R6;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.R7;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.R8;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.SIZE_B;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.SIZE_H;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.SIZE_W;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.alu64Imm;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.call;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.exit;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.ldMapFd;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.ldxMem;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.mov64Imm;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.mov64Reg;
import static io.fulcrum.forwarder.io.xdp.BpfInsn.stxMem;

import java.nio.ByteOrder;

/**
 * The XDP program Fulcrum attaches to each data interface: frames for addresses the load balancer owns
 * (VIPs, local addresses) go to the AF_XDP socket of the receiving queue; everything else goes to the
 * kernel.
 *
 * <pre>
 *   eth = data; if (eth + 14 &gt; data_end) PASS
 *   switch (eth.type)
 *     0x0800 IPv4: if (eth + 34 &gt; data_end || ip.version != 4) PASS; key = ip.daddr
 *     0x0806 ARP:  if (eth + 42 &gt; data_end || htype/ptype/hlen/plen != 1/0x0800/6/4) PASS; key = arp.tpa
 *     default:     PASS                      (IPv6, VLAN-tagged, LLDP, ...)
 *   if (!owned[key]) PASS                     (management address, kernel's own ARP, ...)
 *   return bpf_redirect_map(&amp;xsks, ctx-&gt;rx_queue_index, XDP_PASS)   (no socket on that queue: PASS)
 * </pre>
 *
 * <p>Keys of the {@code owned} map are IPv4 addresses in network byte order as they sit in the packet
 * (see {@link #ownedKey(int)}). Constants compared against 16/32-bit loads are the little-endian
 * interpretation of the network-order bytes: the encoder targets little-endian hosts (x86-64, arm64).
 */
final class XdpRedirectProgram {
    static final int XDP_ABORTED = 0;
    static final int XDP_DROP = 1;
    static final int XDP_PASS = 2;
    static final int XDP_TX = 3;
    static final int XDP_REDIRECT = 4;

    static final int FUNC_MAP_LOOKUP_ELEM = 1;
    static final int FUNC_REDIRECT_MAP = 51;

    /** {@code struct xdp_md} field offsets. */
    static final int XDP_MD_DATA = 0;
    static final int XDP_MD_DATA_END = 4;
    static final int XDP_MD_RX_QUEUE_INDEX = 16;

    /** Ethertypes as loaded by a 16-bit little-endian load of the network-order field. */
    private static final int ETH_P_IP_LOADED = 0x0008;
    private static final int ETH_P_ARP_LOADED = 0x0608;
    /** ARP htype=1, ptype=0x0800 as one little-endian 32-bit load. */
    private static final int ARP_ETHER_IPV4_LOADED = 0x00080100;
    /** ARP hlen=6, plen=4 as one little-endian 16-bit load. */
    private static final int ARP_LENGTHS_LOADED = 0x0406;

    private XdpRedirectProgram() {
    }

    /** The program with the two map fds baked into its map loads. */
    static BpfProgram build(final int ownedMapFd, final int xskMapFd) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new XdpSetupException("the XDP program encoder supports little-endian hosts only (x86-64, arm64)", 0);
        }
        return BpfProgram.builder()
            .add(mov64Reg(R6, R1))
            .add(ldxMem(SIZE_W, R7, R6, XDP_MD_DATA))
            .add(ldxMem(SIZE_W, R8, R6, XDP_MD_DATA_END))
            .add(mov64Reg(R2, R7), alu64Imm(ALU_ADD, R2, 14))
            .jumpReg(JMP_JGT, R2, R8, "pass")
            .add(ldxMem(SIZE_H, R2, R7, 12))
            .jumpImm(JMP_JEQ, R2, ETH_P_IP_LOADED, "ipv4")
            .jumpImm(JMP_JEQ, R2, ETH_P_ARP_LOADED, "arp")
            .jump("pass")

            .label("ipv4")
            .add(mov64Reg(R2, R7), alu64Imm(ALU_ADD, R2, 34))
            .jumpReg(JMP_JGT, R2, R8, "pass")
            .add(ldxMem(SIZE_B, R2, R7, 14), alu64Imm(ALU_AND, R2, 0xf0))
            .jumpImm(JMP_JNE, R2, 0x40, "pass")
            .add(ldxMem(SIZE_W, R2, R7, 14 + 16))
            .jump("lookup")

            .label("arp")
            .add(mov64Reg(R2, R7), alu64Imm(ALU_ADD, R2, 42))
            .jumpReg(JMP_JGT, R2, R8, "pass")
            .add(ldxMem(SIZE_W, R2, R7, 14))
            .jumpImm(JMP_JNE, R2, ARP_ETHER_IPV4_LOADED, "pass")
            .add(ldxMem(SIZE_H, R2, R7, 14 + 4))
            .jumpImm(JMP_JNE, R2, ARP_LENGTHS_LOADED, "pass")
            .add(ldxMem(SIZE_W, R2, R7, 14 + 24))

            .label("lookup")
            .add(stxMem(SIZE_W, R10, R2, -4))
            .add(mov64Reg(R2, R10), alu64Imm(ALU_ADD, R2, -4))
            .add(ldMapFd(R1, ownedMapFd))
            .add(call(FUNC_MAP_LOOKUP_ELEM))
            .jumpImm(JMP_JEQ, R0, 0, "pass")
            .add(ldxMem(SIZE_W, R2, R6, XDP_MD_RX_QUEUE_INDEX))
            .add(ldMapFd(R1, xskMapFd))
            .add(mov64Imm(R3, XDP_PASS))
            .add(call(FUNC_REDIRECT_MAP))
            .add(exit())

            .label("pass")
            .add(mov64Imm(R0, XDP_PASS))
            .add(exit())
            .build();
    }

    /** The {@code owned} map key for an IPv4 address given as a big-endian int (198.18.0.1 = 0xc6120001). */
    static int ownedKey(final int ipv4) {
        // The key's bytes must equal the packet's network-order bytes; the map stores the int natively.
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Integer.reverseBytes(ipv4) : ipv4;
    }
}
