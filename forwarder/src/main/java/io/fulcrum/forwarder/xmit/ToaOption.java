package io.fulcrum.forwarder.xmit;

/**
 * The TOA ("TCP option address") option that carries the client address to FULLNAT backends, as Alibaba's LVS
 * and DPVS define it. Fulcrum inserts the IPv4 form right after the fixed TCP header.
 *
 * <pre>
 *  IPv4 (kind 254 by default; Tencent-style deployments use 200), 8 bytes:
 *    0        1        2                 4                                 8
 *    +--------+--------+-----------------+---------------------------------+
 *    | kind   | len=8  | client port     | client IPv4 address             |
 *    +--------+--------+-----------------+---------------------------------+
 *                        big-endian        big-endian
 *
 *  IPv6 (kind 253 in Alibaba LVS, 254 with len 20 in DPVS), 20 bytes:
 *    | kind | len=20 | client port (2) | client IPv6 address (16) |
 * </pre>
 *
 * The backend's TOA kernel module reads it from the ACK that completes the handshake (its
 * {@code syn_recv_sock} hook), so Fulcrum puts it on that ACK and on every client segment until the backend
 * has acknowledged client data (so a lost ACK does not lose the address). Client-sent options of the same kind
 * are overwritten with NOPs first, so a client cannot claim another address.
 */
public final class ToaOption {
    /** Default option kind (RFC 4727 experimental, as LVS/DPVS use it). */
    public static final int DEFAULT_KIND = 254;
    /** Length of the IPv4 form. */
    public static final int LENGTH_IPV4 = 8;
    /** Length of the IPv6 form. */
    public static final int LENGTH_IPV6 = 20;

    private ToaOption() {
    }
}
