package io.fulcrum.tls.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Builds PROXY protocol headers sent to backends. v1: {@code PROXY TCP4|TCP6 src dst sport dport\r\n}. v2: signature,
 * {@code 0x21} (version 2, PROXY), family {@code 0x11} TCP4 / {@code 0x12} UDP4 / {@code 0x21} TCP6 /
 * {@code 0x22} UDP6, length, then the 12- or 36-byte address block:
 * <pre>
 *  0                   1                   2                   3
 * +-------------------------------------------------------+-------+-------+
 * | 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A  (12 bytes)       | ver/c | fam   |
 * +---------------+-----------------------------------------------+-------+
 * | len (be16)    | src addr (4|16) | dst addr (4|16) | sport be16 | dport be16 |
 * +---------------+-------------------------------------------------------+
 * </pre>
 * Mixed families (IPv4 client, IPv6 local side) are sent as IPv6 with the IPv4 address mapped.
 */
public final class ProxyHeaderEncoder {
    private ProxyHeaderEncoder() {
    }

    /** v1 header for a TCP connection. */
    public static ByteBuf v1(ByteBufAllocator alloc, InetSocketAddress src, InetSocketAddress dst) {
        final boolean v4 = src.getAddress() instanceof Inet4Address && dst.getAddress() instanceof Inet4Address;
        final ByteBuf out = alloc.buffer(108);
        ByteBufUtil.writeAscii(out, v4 ? "PROXY TCP4 " : "PROXY TCP6 ");
        ByteBufUtil.writeAscii(out, text(src.getAddress(), v4));
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, text(dst.getAddress(), v4));
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, Integer.toString(src.getPort()));
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, Integer.toString(dst.getPort()));
        ByteBufUtil.writeAscii(out, "\r\n");
        return out;
    }

    /** v2 header (PROXY command) for a TCP or UDP flow. */
    public static ByteBuf v2(ByteBufAllocator alloc, InetSocketAddress src, InetSocketAddress dst, boolean udp) {
        final boolean v4 = src.getAddress() instanceof Inet4Address && dst.getAddress() instanceof Inet4Address;
        final int addrLen = v4 ? 12 : 36;
        final ByteBuf out = alloc.buffer(16 + addrLen);
        out.writeBytes(ProxyHeaderDecoder.V2_SIGNATURE);
        out.writeByte(0x21);
        out.writeByte((v4 ? 0x10 : 0x20) | (udp ? 0x02 : 0x01));
        out.writeShort(addrLen);
        out.writeBytes(bytes(src.getAddress(), v4));
        out.writeBytes(bytes(dst.getAddress(), v4));
        out.writeShort(src.getPort());
        out.writeShort(dst.getPort());
        return out;
    }

    private static byte[] bytes(InetAddress a, boolean v4) {
        final byte[] raw = a.getAddress();
        if (v4 || raw.length == 16) {
            return raw;
        }
        final byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(raw, 0, mapped, 12, 4);
        return mapped;
    }

    private static String text(InetAddress a, boolean v4) {
        if (v4 || !(a instanceof Inet4Address)) {
            return a.getHostAddress();
        }
        return "::ffff:" + a.getHostAddress();
    }
}
