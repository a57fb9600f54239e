package io.fulcrum.tls.proxy;

import io.netty.buffer.ByteBuf;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a PROXY protocol v1 or v2 header at the start of a connection (haproxy doc/proxy-protocol.txt). The caller
 * decides whether the source may send one; this class only parses, strictly: v1 lines are at most 107 bytes with
 * CRLF, canonical addresses and ports; v2 needs the 12-byte signature, version 2, a known family and a length that
 * covers the address block (TLVs are skipped, at most 2 KiB).
 */
public final class ProxyHeaderDecoder {
    /** More bytes are needed. */
    public static final int NEED_MORE = 0;
    /** A header was consumed; see {@link #source}. */
    public static final int DONE = 1;
    /** The stream does not start with a PROXY header (nothing consumed). */
    public static final int NOT_PROXY = 2;
    /** Malformed header. */
    public static final int ERROR = -1;

    /** The v2 signature. */
    public static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final int V1_MAX = 107;
    private static final int V2_MAX_LENGTH = 2048;

    /** Source address carried by the header; null for LOCAL/UNKNOWN. */
    public InetSocketAddress source;
    /** Destination address carried by the header; null for LOCAL/UNKNOWN. */
    public InetSocketAddress destination;
    /** Protocol version of the decoded header (1 or 2). */
    public int version;

    /** Tries to decode; on {@link #DONE} the header bytes are consumed. */
    public int decode(ByteBuf in) {
        source = null;
        destination = null;
        final int ri = in.readerIndex();
        final int n = in.readableBytes();
        if (n == 0) {
            return NEED_MORE;
        }
        if (in.getByte(ri) == 'P') {
            final int cmp = prefix(in, V1_PREFIX);
            return cmp <= 0 ? (cmp == 0 ? NEED_MORE : NOT_PROXY) : decodeV1(in);
        }
        if (in.getByte(ri) == 0x0D) {
            final int cmp = prefix(in, V2_SIGNATURE);
            return cmp <= 0 ? (cmp == 0 ? NEED_MORE : NOT_PROXY) : decodeV2(in);
        }
        return NOT_PROXY;
    }

    /** 1 = full match, 0 = partial match so far, -1 = mismatch. */
    private static int prefix(ByteBuf in, byte[] p) {
        final int ri = in.readerIndex();
        final int n = Math.min(in.readableBytes(), p.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(ri + i) != p[i]) {
                return -1;
            }
        }
        return n == p.length ? 1 : 0;
    }

    private int decodeV1(ByteBuf in) {
        final int ri = in.readerIndex();
        final int limit = Math.min(in.readableBytes(), V1_MAX);
        int lf = -1;
        for (int i = 0; i < limit; i++) {
            if (in.getByte(ri + i) == '\n') {
                lf = i;
                break;
            }
        }
        if (lf < 0) {
            return in.readableBytes() >= V1_MAX ? ERROR : NEED_MORE;
        }
        if (lf < 1 || in.getByte(ri + lf - 1) != '\r') {
            return ERROR;
        }
        final String line = in.toString(ri, lf - 1, StandardCharsets.US_ASCII);
        final String[] f = line.split(" ", -1);
        if (f.length >= 2 && "UNKNOWN".equals(f[1])) {
            version = 1;
            in.skipBytes(lf + 1);
            return DONE;
        }
        if (f.length != 6 || !("TCP4".equals(f[1]) || "TCP6".equals(f[1]))) {
            return ERROR;
        }
        final boolean v6 = "TCP6".equals(f[1]);
        final InetAddress src = literal(f[2], v6);
        final InetAddress dst = literal(f[3], v6);
        final int sp = port(f[4]);
        final int dp = port(f[5]);
        if (src == null || dst == null || sp < 0 || dp < 0) {
            return ERROR;
        }
        source = new InetSocketAddress(src, sp);
        destination = new InetSocketAddress(dst, dp);
        version = 1;
        in.skipBytes(lf + 1);
        return DONE;
    }

    private int decodeV2(ByteBuf in) {
        if (in.readableBytes() < 16) {
            return NEED_MORE;
        }
        final int ri = in.readerIndex();
        final int verCmd = in.getUnsignedByte(ri + 12);
        final int fam = in.getUnsignedByte(ri + 13);
        final int len = in.getUnsignedShort(ri + 14);
        if ((verCmd >>> 4) != 2 || (verCmd & 0xF) > 1 || len > V2_MAX_LENGTH) {
            return ERROR;
        }
        if (in.readableBytes() < 16 + len) {
            return NEED_MORE;
        }
        final boolean local = (verCmd & 0xF) == 0;
        final int a = ri + 16;
        try {
            switch (fam) {
                case 0x11, 0x12 -> {
                    if (len < 12) {
                        return ERROR;
                    }
                    if (!local) {
                        source = new InetSocketAddress(InetAddress.getByAddress(bytes(in, a, 4)), in.getUnsignedShort(a + 8));
                        destination = new InetSocketAddress(InetAddress.getByAddress(bytes(in, a + 4, 4)),
                                in.getUnsignedShort(a + 10));
                    }
                }
                case 0x21, 0x22 -> {
                    if (len < 36) {
                        return ERROR;
                    }
                    if (!local) {
                        source = new InetSocketAddress(InetAddress.getByAddress(bytes(in, a, 16)),
                                in.getUnsignedShort(a + 32));
                        destination = new InetSocketAddress(InetAddress.getByAddress(bytes(in, a + 16, 16)),
                                in.getUnsignedShort(a + 34));
                    }
                }
                case 0x00 -> {
                    if (!local && len != 0) {
                        // UNSPEC with PROXY command: addresses unknown, keep the connection's own
                        source = null;
                    }
                }
                default -> {
                    return ERROR;
                }
            }
        } catch (UnknownHostException e) {
            return ERROR;
        }
        version = 2;
        in.skipBytes(16 + len);
        return DONE;
    }

    private static byte[] bytes(ByteBuf in, int at, int n) {
        final byte[] b = new byte[n];
        in.getBytes(at, b);
        return b;
    }

    private static InetAddress literal(String s, boolean v6) {
        if (s.isEmpty() || s.length() > 45) {
            return null;
        }
        if (!v6 && !dottedQuad(s)) {
            return null;
        }
        try {
            final InetAddress a = v6 ? Inet6Address.ofLiteral(s) : Inet4Address.ofLiteral(s);
            return a;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Exactly four decimal octets without leading zeros (ofLiteral also takes BSD forms like "1.2.3"). */
    private static boolean dottedQuad(String s) {
        final String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (port(p) < 0 || port(p) > 255) {
                return false;
            }
        }
        return true;
    }

    private static int port(String s) {
        if (s.isEmpty() || s.length() > 5 || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= 65535 ? v : -1;
    }
}
