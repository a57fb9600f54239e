package io.fulcrum.forwarder.io.afpacket;

import java.nio.ByteBuffer;

/** Builds and inspects Ethernet/IPv4/UDP frames for the AF_PACKET tests (network byte order throughout). */
final class TestFrames {
    static final int ETH_HEADER = 14;
    static final int IP_HEADER = 20;
    static final int UDP_HEADER = 8;
    static final int UDP_PAYLOAD_OFFSET = ETH_HEADER + IP_HEADER + UDP_HEADER;

    private TestFrames() {
    }

    static int ipv4(final int a, final int b, final int c, final int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /** A complete Ethernet/IPv4/UDP frame with valid IP and UDP checksums. */
    static byte[] udp(final long dstMac, final long srcMac, final int srcIp, final int dstIp, final int srcPort,
                      final int dstPort, final byte[] payload) {
        final int udpLength = UDP_HEADER + payload.length;
        final ByteBuffer frame = ByteBuffer.allocate(ETH_HEADER + IP_HEADER + udpLength);
        putMac(frame, dstMac);
        putMac(frame, srcMac);
        frame.putShort((short) 0x0800);
        frame.put((byte) 0x45).put((byte) 0).putShort((short) (IP_HEADER + udpLength));
        frame.putShort((short) 0x1234).putShort((short) 0x4000);
        frame.put((byte) 64).put((byte) 17).putShort((short) 0);
        frame.putInt(srcIp).putInt(dstIp);
        frame.putShort((short) srcPort).putShort((short) dstPort).putShort((short) udpLength).putShort((short) 0);
        frame.put(payload);
        final byte[] bytes = frame.array();
        putShort(bytes, ETH_HEADER + 10, ~fold(sum(bytes, ETH_HEADER, IP_HEADER, 0)) & 0xffff);
        int udpChecksum = ~fold(sum(bytes, ETH_HEADER + IP_HEADER, udpLength, pseudoHeaderSum(bytes))) & 0xffff;
        if (udpChecksum == 0) {
            udpChecksum = 0xffff;
        }
        putShort(bytes, ETH_HEADER + IP_HEADER + 6, udpChecksum);
        return bytes;
    }

    static boolean isUdpTo(final byte[] frame, final int dstPort) {
        return frame.length >= UDP_PAYLOAD_OFFSET && getShort(frame, 12) == 0x0800 && frame[ETH_HEADER + 9] == 17
            && getShort(frame, ETH_HEADER + IP_HEADER + 2) == dstPort;
    }

    static int srcPort(final byte[] frame) {
        return getShort(frame, ETH_HEADER + IP_HEADER);
    }

    static int udpChecksumField(final byte[] frame) {
        return getShort(frame, ETH_HEADER + IP_HEADER + 6);
    }

    /** Whether the IPv4 header checksum and the UDP checksum of a complete frame verify. */
    static boolean checksumsValid(final byte[] frame) {
        final int udpLength = getShort(frame, ETH_HEADER + IP_HEADER + 4);
        return fold(sum(frame, ETH_HEADER, IP_HEADER, 0)) == 0xffff
            && fold(sum(frame, ETH_HEADER + IP_HEADER, udpLength, pseudoHeaderSum(frame))) == 0xffff;
    }

    static long mac(final byte[] frame, final int offset) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = mac << 8 | (frame[offset + i] & 0xff);
        }
        return mac;
    }

    static int getInt(final byte[] frame, final int offset) {
        return (frame[offset] & 0xff) << 24 | (frame[offset + 1] & 0xff) << 16 | (frame[offset + 2] & 0xff) << 8
            | frame[offset + 3] & 0xff;
    }

    static int getShort(final byte[] frame, final int offset) {
        return (frame[offset] & 0xff) << 8 | frame[offset + 1] & 0xff;
    }

    private static long pseudoHeaderSum(final byte[] frame) {
        final int udpLength = getShort(frame, ETH_HEADER + IP_HEADER + 4);
        return sum(frame, ETH_HEADER + 12, 8, 0) + 17 + udpLength;
    }

    private static long sum(final byte[] bytes, final int offset, final int length, final long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += getShort(bytes, offset + i);
        }
        if ((length & 1) != 0) {
            sum += (bytes[offset + length - 1] & 0xff) << 8;
        }
        return sum;
    }

    private static int fold(final long sum) {
        long s = sum;
        while (s >>> 16 != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    private static void putMac(final ByteBuffer frame, final long mac) {
        for (int shift = 40; shift >= 0; shift -= 8) {
            frame.put((byte) (mac >>> shift));
        }
    }

    private static void putShort(final byte[] bytes, final int offset, final int value) {
        bytes[offset] = (byte) (value >>> 8);
        bytes[offset + 1] = (byte) value;
    }
}
