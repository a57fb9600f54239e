package io.fulcrum.systest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the IPv4/TCP segments of a classic pcap file (Ethernet link type) written by {@code tcpdump -w}. */
final class Pcap {
    /** One TCP segment: addresses, ports, flags, payload length and the TCP option bytes. */
    record Segment(String source, int sourcePort, String destination, int destinationPort, int flags, int payloadLength,
                   byte[] options) {
        /** The first option of {@code kind} with length {@code length}, or null. */
        byte[] option(final int kind, final int length) {
            int i = 0;
            while (i < options.length) {
                final int k = options[i] & 0xff;
                if (k == 0) {
                    return null;
                }
                if (k == 1) {
                    i++;
                    continue;
                }
                if (i + 1 >= options.length) {
                    return null;
                }
                final int len = options[i + 1] & 0xff;
                if (len < 2) {
                    return null;
                }
                if (k == kind && len == length && i + len <= options.length) {
                    final byte[] out = new byte[len];
                    System.arraycopy(options, i, out, 0, len);
                    return out;
                }
                i += len;
            }
            return null;
        }
    }

    private Pcap() {
    }

    static List<Segment> tcpSegments(final Path file) throws IOException {
        final ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        final List<Segment> segments = new ArrayList<>();
        if (b.remaining() < 24) {
            return segments;
        }
        final int magic = b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        b.order(magic == 0xa1b2c3d4 || magic == 0xa1b23c4d ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        b.position(24);
        while (b.remaining() >= 16) {
            b.getInt();
            b.getInt();
            final int captured = b.getInt();
            b.getInt();
            if (captured < 0 || captured > b.remaining()) {
                break;
            }
            final byte[] frame = new byte[captured];
            b.get(frame);
            final ByteBuffer f = ByteBuffer.wrap(frame);
            if (captured < 54 || f.getShort(12) != 0x0800) {
                continue;
            }
            final int ihl = (f.get(14) & 0xf) * 4;
            final int total = f.getShort(16) & 0xffff;
            if (f.get(23) != 6 || 14 + ihl + 20 > captured) {
                continue;
            }
            final int tcp = 14 + ihl;
            final int doff = ((f.get(tcp + 12) & 0xff) >>> 4) * 4;
            final byte[] options = new byte[Math.max(0, Math.min(doff, captured - tcp) - 20)];
            System.arraycopy(frame, tcp + 20, options, 0, options.length);
            segments.add(new Segment(ip(frame, 26), f.getShort(tcp) & 0xffff, ip(frame, 30), f.getShort(tcp + 2) & 0xffff,
                f.get(tcp + 13) & 0xff, total - ihl - doff, options));
        }
        return segments;
    }

    private static String ip(final byte[] frame, final int at) {
        return (frame[at] & 0xff) + "." + (frame[at + 1] & 0xff) + "." + (frame[at + 2] & 0xff) + "." + (frame[at + 3] & 0xff);
    }
}
