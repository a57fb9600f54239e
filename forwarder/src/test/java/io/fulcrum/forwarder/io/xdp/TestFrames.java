package io.fulcrum.forwarder.io.xdp;

import java.nio.ByteBuffer;

/** Ethernet/IPv4/ARP/UDP frames for the AF_XDP tests, with real checksums. */
final class TestFrames {
    private TestFrames() {
    }

    /** The ARP request the Linux kernel sends for {@code targetIp} (broadcast, target MAC zero, 42 bytes). */
    static byte[] arpRequest(final long senderMac, final int senderIp, final int targetIp) {
        final ByteBuffer frame = ByteBuffer.allocate(42);
        putMac(frame, 0xffffffffffffL);
        putMac(frame, senderMac);
        frame.putShort((short) 0x0806);
        frame.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        putMac(frame, senderMac);
        frame.putInt(senderIp);
        putMac(frame, 0);
        frame.putInt(targetIp);
        return frame.array();
    }

    /** An ARP reply: {@code senderIp is-at senderMac}, to {@code targetMac/targetIp}. */
    static byte[] arpReply(final long senderMac, final int senderIp, final long targetMac, final int targetIp) {
        final ByteBuffer frame = ByteBuffer.allocate(42);
        putMac(frame, targetMac);
        putMac(frame, senderMac);
        frame.putShort((short) 0x0806);
        frame.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 2);
        putMac(frame, senderMac);
        frame.putInt(senderIp);
        putMac(frame, targetMac);
        frame.putInt(targetIp);
        return frame.array();
    }

    /** An Ethernet + IPv4 + UDP frame with valid IPv4 and UDP checksums. */
    static byte[] udp(final long srcMac, final long dstMac, final int srcIp, final int dstIp, final int srcPort,
                      final int dstPort, final byte[] payload) {
        final int udpLength = 8 + payload.length;
        final int ipLength = 20 + udpLength;
        final ByteBuffer frame = ByteBuffer.allocate(14 + ipLength);
        putMac(frame, dstMac);
        putMac(frame, srcMac);
        frame.putShort((short) 0x0800);
        frame.put((byte) 0x45).put((byte) 0).putShort((short) ipLength).putShort((short) 0x1234).putShort((short) 0x4000)
            .put((byte) 64).put((byte) 17).putShort((short) 0).putInt(srcIp).putInt(dstIp);
        frame.putShort((short) srcPort).putShort((short) dstPort).putShort((short) udpLength).putShort((short) 0);
        frame.put(payload);
        final byte[] bytes = frame.array();
        final int ipChecksum = checksum(bytes, 14, 20, 0);
        bytes[24] = (byte) (ipChecksum >>> 8);
        bytes[25] = (byte) ipChecksum;
        long pseudo = (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + 17 + udpLength;
        int udpChecksum = checksum(bytes, 34, udpLength, pseudo);
        if (udpChecksum == 0) {
            udpChecksum = 0xffff;
        }
        bytes[40] = (byte) (udpChecksum >>> 8);
        bytes[41] = (byte) udpChecksum;
        return bytes;
    }

    /** An IPv6 frame header (no payload checks needed: the program must pass it). */
    static byte[] ipv6(final long srcMac, final long dstMac) {
        final ByteBuffer frame = ByteBuffer.allocate(14 + 40);
        putMac(frame, dstMac);
        putMac(frame, srcMac);
        frame.putShort((short) 0x86dd);
        frame.putInt(0x60000000).putShort((short) 0).put((byte) 59).put((byte) 64);
        return frame.array();
    }

    /** The Internet checksum of {@code length} bytes at {@code offset}, starting from {@code initial}. */
    static int checksum(final byte[] bytes, final int offset, final int length, final long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += ((bytes[offset + i] & 0xff) << 8) | (bytes[offset + i + 1] & 0xff);
        }
        if ((length & 1) != 0) {
            sum += (bytes[offset + length - 1] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static void putMac(final ByteBuffer frame, final long mac) {
        frame.putShort((short) (mac >>> 32)).putInt((int) mac);
    }
}
