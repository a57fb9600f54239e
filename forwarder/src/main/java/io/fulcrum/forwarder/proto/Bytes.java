package io.fulcrum.forwarder.proto;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Network-byte-order (big-endian), alignment-free accessors shared by the flyweights. Frames sit at
 * arbitrary offsets in UMEM or ring slots, so every access uses the unaligned layouts.
 */
public final class Bytes {
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    /** The broadcast MAC ff:ff:ff:ff:ff:ff as the low 48 bits of a long. */
    public static final long BROADCAST_MAC = 0xffff_ffff_ffffL;

    private Bytes() {
    }

    public static int u8(final MemorySegment segment, final long offset) {
        return segment.get(U8, offset) & 0xff;
    }

    public static void u8(final MemorySegment segment, final long offset, final int value) {
        segment.set(U8, offset, (byte) value);
    }

    public static int u16(final MemorySegment segment, final long offset) {
        return segment.get(U16, offset) & 0xffff;
    }

    public static void u16(final MemorySegment segment, final long offset, final int value) {
        segment.set(U16, offset, (short) value);
    }

    public static int i32(final MemorySegment segment, final long offset) {
        return segment.get(U32, offset);
    }

    public static void i32(final MemorySegment segment, final long offset, final int value) {
        segment.set(U32, offset, value);
    }

    /** A 6-byte MAC address as the low 48 bits of a long. */
    public static long mac(final MemorySegment segment, final long offset) {
        return ((long) u16(segment, offset) << 32) | (i32(segment, offset + 2) & 0xffff_ffffL);
    }

    public static void mac(final MemorySegment segment, final long offset, final long mac) {
        u16(segment, offset, (int) (mac >>> 32));
        i32(segment, offset + 2, (int) mac);
    }

    /** True for group (multicast or broadcast) MACs: the I/G bit of the first octet. */
    public static boolean isGroupMac(final long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    /** Formats a MAC as {@code 02:00:00:00:00:01} (allocates: for logs and errors only). */
    public static String formatMac(final long mac) {
        final StringBuilder text = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (shift != 40) {
                text.append(':');
            }
            final int octet = (int) (mac >>> shift) & 0xff;
            text.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xf, 16));
        }
        return text.toString();
    }

    /** Parses {@code 02:00:00:00:00:01} into the low 48 bits of a long. */
    public static long parseMac(final String text) {
        final String[] parts = text.split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + text);
        }
        long mac = 0;
        for (final String part : parts) {
            if (part.isEmpty() || part.length() > 2) {
                throw new IllegalArgumentException("not a MAC address: " + text);
            }
            mac = (mac << 8) | Integer.parseInt(part, 16);
        }
        return mac;
    }

    /** Formats an IPv4 address (an int in network order) as dotted quad (allocates: logs only). */
    public static String formatIpv4(final int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }

    /** Parses a dotted-quad IPv4 address into an int in network order. */
    public static int parseIpv4(final String text) {
        final String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        int address = 0;
        for (final String part : parts) {
            final int octet;
            try {
                octet = Integer.parseInt(part);
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv4 address: " + text, e);
            }
            if (octet < 0 || octet > 255 || part.isEmpty() || part.length() > 3) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            address = (address << 8) | octet;
        }
        return address;
    }
}
