package io.fulcrum.forwarder.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * A fluent builder of test frames with correct lengths and checksums unless told otherwise. Checksums are
 * computed here independently of the production code (a plain 16-bit loop), so golden fixtures check the
 * production's incremental updates against a straightforward oracle.
 *
 * <pre>
 *   byte[] ping = PacketBuilder.ethernet(CLIENT_MAC, LB_MAC).ipv4(CLIENT_IP, LB_IP).ttl(64)
 *       .icmpEcho(0x1234, 1, payload).build();
 *   byte[] arp = PacketBuilder.ethernet(CLIENT_MAC, BROADCAST).arpRequest(CLIENT_MAC, CLIENT_IP, LB_IP).build();
 * </pre>
 */
public final class PacketBuilder {
    private static final int NONE = -1;

    private final long source;
    private final long destination;
    private int etherType = 0x0800;
    private byte[] rawPayload;
    private boolean arp;
    private int arpOpcode;
    private long arpSenderMac;
    private int arpSenderIp;
    private long arpTargetMac;
    private int arpTargetIp;
    private boolean ipv4;
    private int ipSource;
    private int ipDestination;
    private int ttl = 64;
    private int tos;
    private int identification = 0x1c46;
    private int flagsAndOffset = 0x4000;
    private int version = 4;
    private int ihlOverride = NONE;
    private int totalLengthOverride = NONE;
    private int protocolOverride = NONE;
    private byte[] options = new byte[0];
    private boolean badIpChecksum;
    private int l4Protocol = NONE;
    private byte[] l4Header;
    private byte[] l4Payload = new byte[0];
    private boolean badL4Checksum;
    private boolean partialChecksum;
    private int padTo;
    private int truncateTo = NONE;

    private PacketBuilder(final long source, final long destination) {
        this.source = source;
        this.destination = destination;
    }

    /** Starts a frame from {@code source} to {@code destination} (MACs in the low 48 bits). */
    public static PacketBuilder ethernet(final long source, final long destination) {
        return new PacketBuilder(source, destination);
    }

    /** Overrides the EtherType (default: IPv4, or ARP after {@link #arp}). */
    public PacketBuilder etherType(final int type) {
        this.etherType = type;
        return this;
    }

    /**
     * Raw bytes after the Ethernet header; after {@link #ipv4} instead, raw bytes after the IPv4 header
     * (no L4 header or checksum is built; set the protocol with {@link #protocol}).
     */
    public PacketBuilder payload(final byte[] bytes) {
        if (ipv4) {
            this.l4Protocol = NONE;
            this.l4Payload = bytes.clone();
        } else {
            this.rawPayload = bytes.clone();
        }
        return this;
    }

    public PacketBuilder arp(final int opcode, final long senderMac, final int senderIp, final long targetMac,
                             final int targetIp) {
        this.arp = true;
        this.etherType = 0x0806;
        this.arpOpcode = opcode;
        this.arpSenderMac = senderMac;
        this.arpSenderIp = senderIp;
        this.arpTargetMac = targetMac;
        this.arpTargetIp = targetIp;
        return this;
    }

    public PacketBuilder arpRequest(final long senderMac, final int senderIp, final int targetIp) {
        return arp(1, senderMac, senderIp, 0L, targetIp);
    }

    public PacketBuilder arpReply(final long senderMac, final int senderIp, final long targetMac, final int targetIp) {
        return arp(2, senderMac, senderIp, targetMac, targetIp);
    }

    /** A gratuitous ARP announcement (request with sender IP = target IP). */
    public PacketBuilder gratuitousArp(final long senderMac, final int address) {
        return arp(1, senderMac, address, 0L, address);
    }

    public PacketBuilder ipv4(final int sourceAddress, final int destinationAddress) {
        this.ipv4 = true;
        this.etherType = 0x0800;
        this.ipSource = sourceAddress;
        this.ipDestination = destinationAddress;
        return this;
    }

    public PacketBuilder ttl(final int value) {
        this.ttl = value;
        return this;
    }

    public PacketBuilder tos(final int value) {
        this.tos = value;
        return this;
    }

    public PacketBuilder id(final int value) {
        this.identification = value;
        return this;
    }

    /** IP options (padded with zero bytes, End of Option List, to a multiple of 4). */
    public PacketBuilder options(final byte[] bytes) {
        final int padded = (bytes.length + 3) & ~3;
        this.options = new byte[padded];
        System.arraycopy(bytes, 0, options, 0, bytes.length);
        return this;
    }

    /** Fragment fields: more-fragments flag and offset in 8-byte units (DF cleared). */
    public PacketBuilder fragment(final boolean moreFragments, final int offsetUnits) {
        this.flagsAndOffset = (moreFragments ? 0x2000 : 0) | (offsetUnits & 0x1fff);
        return this;
    }

    public PacketBuilder flagsAndOffset(final int raw) {
        this.flagsAndOffset = raw;
        return this;
    }

    public PacketBuilder version(final int value) {
        this.version = value;
        return this;
    }

    /** Writes this IHL (in 32-bit words) instead of the real one; the header bytes stay as built. */
    public PacketBuilder ihl(final int words) {
        this.ihlOverride = words;
        return this;
    }

    public PacketBuilder totalLength(final int value) {
        this.totalLengthOverride = value;
        return this;
    }

    public PacketBuilder protocol(final int value) {
        this.protocolOverride = value;
        return this;
    }

    public PacketBuilder badIpChecksum() {
        this.badIpChecksum = true;
        return this;
    }

    public PacketBuilder icmpEcho(final int identifier, final int sequence, final byte[] payload) {
        return icmp(8, 0, identifier, sequence, payload);
    }

    public PacketBuilder icmpEchoReply(final int identifier, final int sequence, final byte[] payload) {
        return icmp(0, 0, identifier, sequence, payload);
    }

    /** An ICMP message with the given type/code and the 4 "rest of header" bytes as two 16-bit words. */
    public PacketBuilder icmp(final int type, final int code, final int word1, final int word2, final byte[] payload) {
        this.l4Protocol = 1;
        this.l4Header = ByteBuffer.allocate(8).put((byte) type).put((byte) code).putShort((short) 0)
            .putShort((short) word1).putShort((short) word2).array();
        this.l4Payload = payload.clone();
        return this;
    }

    public PacketBuilder udp(final int sourcePort, final int destinationPort, final byte[] payload) {
        this.l4Protocol = 17;
        this.l4Header = ByteBuffer.allocate(8).putShort((short) sourcePort).putShort((short) destinationPort)
            .putShort((short) (8 + payload.length)).putShort((short) 0).array();
        this.l4Payload = payload.clone();
        return this;
    }

    public PacketBuilder tcp(final int sourcePort, final int destinationPort, final int sequence, final int acknowledgment,
                             final int flags, final byte[] payload) {
        this.l4Protocol = 6;
        this.l4Header = ByteBuffer.allocate(20).putShort((short) sourcePort).putShort((short) destinationPort)
            .putInt(sequence).putInt(acknowledgment).put((byte) 0x50).put((byte) flags).putShort((short) 65535)
            .putShort((short) 0).putShort((short) 0).array();
        this.l4Payload = payload.clone();
        return this;
    }

    /** A TCP SYN/ACK-style segment with options (padded with EOL to a multiple of 4; sets the data offset). */
    public PacketBuilder tcp(final int sourcePort, final int destinationPort, final int sequence, final int acknowledgment,
                             final int flags, final byte[] tcpOptions, final byte[] payload) {
        tcp(sourcePort, destinationPort, sequence, acknowledgment, flags, payload);
        final int padded = (tcpOptions.length + 3) & ~3;
        final byte[] header = new byte[20 + padded];
        System.arraycopy(l4Header, 0, header, 0, 20);
        System.arraycopy(tcpOptions, 0, header, 20, tcpOptions.length);
        header[12] = (byte) ((header.length / 4) << 4);
        this.l4Header = header;
        return this;
    }

    /** Sets the TCP window of the header built by {@code tcp(...)} to 0 (as in generated resets). */
    public PacketBuilder windowZero() {
        l4Header[14] = 0;
        l4Header[15] = 0;
        return this;
    }

    /** Overrides the TCP data offset (in 32-bit words) after the header is built. */
    public PacketBuilder tcpDataOffset(final int words) {
        l4Header[12] = (byte) (words << 4);
        return this;
    }

    public PacketBuilder badL4Checksum() {
        this.badL4Checksum = true;
        return this;
    }

    /**
     * Writes the L4 checksum field as a CHECKSUM_PARTIAL sender leaves it: the folded, uncomplemented
     * pseudo-header sum for TCP/UDP, 0 for ICMP.
     */
    public PacketBuilder partialChecksum() {
        this.partialChecksum = true;
        return this;
    }

    /** Pads the frame with zero bytes up to {@code length} (Ethernet minimum is 60 without FCS). */
    public PacketBuilder padTo(final int length) {
        this.padTo = length;
        return this;
    }

    /** Cuts the built frame to {@code length} bytes (after checksums). */
    public PacketBuilder truncateTo(final int length) {
        this.truncateTo = length;
        return this;
    }

    public byte[] build() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteBuffer eth = ByteBuffer.allocate(14);
        putMac(eth, destination);
        putMac(eth, source);
        eth.putShort((short) etherType);
        out.writeBytes(eth.array());
        if (rawPayload != null) {
            out.writeBytes(rawPayload);
        } else if (arp) {
            final ByteBuffer body = ByteBuffer.allocate(28);
            body.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) arpOpcode);
            putMac(body, arpSenderMac);
            body.putInt(arpSenderIp);
            putMac(body, arpTargetMac);
            body.putInt(arpTargetIp);
            out.writeBytes(body.array());
        } else if (ipv4) {
            out.writeBytes(buildIpv4());
        }
        byte[] frame = out.toByteArray();
        if (frame.length < padTo) {
            final byte[] padded = new byte[padTo];
            System.arraycopy(frame, 0, padded, 0, frame.length);
            frame = padded;
        }
        if (truncateTo != NONE && truncateTo < frame.length) {
            final byte[] cut = new byte[truncateTo];
            System.arraycopy(frame, 0, cut, 0, truncateTo);
            frame = cut;
        }
        return frame;
    }

    private byte[] buildIpv4() {
        final byte[] l4 = buildL4();
        final int headerLength = 20 + options.length;
        final ByteBuffer header = ByteBuffer.allocate(headerLength);
        final int ihl = ihlOverride != NONE ? ihlOverride : headerLength / 4;
        header.put((byte) ((version << 4) | (ihl & 0xf)));
        header.put((byte) tos);
        header.putShort((short) (totalLengthOverride != NONE ? totalLengthOverride : headerLength + l4.length));
        header.putShort((short) identification);
        header.putShort((short) flagsAndOffset);
        header.put((byte) ttl);
        header.put((byte) (protocolOverride != NONE ? protocolOverride : Math.max(l4Protocol, 0)));
        header.putShort((short) 0);
        header.putInt(ipSource);
        header.putInt(ipDestination);
        header.put(options);
        final byte[] bytes = header.array();
        int checksum = ~sum(bytes, 0, bytes.length, 0) & 0xffff;
        if (badIpChecksum) {
            checksum ^= 0x00ff;
        }
        bytes[10] = (byte) (checksum >>> 8);
        bytes[11] = (byte) checksum;
        final byte[] packet = new byte[bytes.length + l4.length];
        System.arraycopy(bytes, 0, packet, 0, bytes.length);
        System.arraycopy(l4, 0, packet, bytes.length, l4.length);
        return packet;
    }

    private byte[] buildL4() {
        if (l4Protocol == NONE) {
            return l4Payload.clone();
        }
        final byte[] l4 = new byte[l4Header.length + l4Payload.length];
        System.arraycopy(l4Header, 0, l4, 0, l4Header.length);
        System.arraycopy(l4Payload, 0, l4, l4Header.length, l4Payload.length);
        final int checksumOffset = switch (l4Protocol) {
            case 1 -> 2;
            case 6 -> 16;
            default -> 6;
        };
        final int pseudo = l4Protocol == 1 ? 0
            : (ipSource >>> 16) + (ipSource & 0xffff) + (ipDestination >>> 16) + (ipDestination & 0xffff)
                + l4Protocol + l4.length;
        int checksum;
        if (partialChecksum) {
            checksum = l4Protocol == 1 ? 0 : fold(pseudo);
        } else {
            checksum = ~sum(l4, 0, l4.length, pseudo) & 0xffff;
            if (l4Protocol == 17 && checksum == 0) {
                checksum = 0xffff;
            }
            if (badL4Checksum) {
                checksum ^= 0x00ff;
            }
        }
        l4[checksumOffset] = (byte) (checksum >>> 8);
        l4[checksumOffset + 1] = (byte) checksum;
        return l4;
    }

    private static void putMac(final ByteBuffer buffer, final long mac) {
        buffer.putShort((short) (mac >>> 32)).putInt((int) mac);
    }

    /** Folded one's-complement sum of 16-bit big-endian words (odd byte padded on the right). */
    public static int sum(final byte[] bytes, final int offset, final int length, final int initial) {
        long acc = initial & 0xffff_ffffL;
        for (int i = 0; i + 1 < length; i += 2) {
            acc += ((bytes[offset + i] & 0xff) << 8) | (bytes[offset + i + 1] & 0xff);
        }
        if ((length & 1) != 0) {
            acc += (bytes[offset + length - 1] & 0xff) << 8;
        }
        return fold(acc);
    }

    private static int fold(final long value) {
        long acc = value;
        while ((acc >>> 16) != 0) {
            acc = (acc & 0xffff) + (acc >>> 16);
        }
        return (int) acc;
    }
}
