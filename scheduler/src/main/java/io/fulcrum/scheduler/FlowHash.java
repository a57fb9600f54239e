package io.fulcrum.scheduler;

/**
 * The hashes the data paths pass to {@link Scheduler#pick}: fixed seeds, so every Fulcrum node computes the
 * same value for the same client or flow (ECMP scale-out needs all nodes to agree on the Maglev choice).
 * Allocation-free; IPv4 addresses are ints in network order read as big-endian, IPv6 addresses two longs.
 */
public final class FlowHash {
    private static final long SOURCE_SEED = 0x5f1c_a3e7_9b2d_4c61L;
    private static final long FLOW_SEED = 0x2b7e_1516_28ae_d2a6L;

    private FlowHash() {
    }

    /** The murmur3 64-bit finaliser: a bijective mix with full avalanche. */
    public static long mix64(final long value) {
        long z = value;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** Hash of an IPv4 client address, for {@code sh}. */
    public static long source(final int ipv4) {
        return mix64(SOURCE_SEED ^ (ipv4 & 0xffff_ffffL));
    }

    /** Hash of an IPv6 client address, for {@code sh}. */
    public static long source(final long ipv6High, final long ipv6Low) {
        return mix64(mix64(SOURCE_SEED ^ ipv6High) + ipv6Low);
    }

    /** Hash of an IPv4 five-tuple, for {@code mh}. Ports are 0–65535, protocol the IP protocol number. */
    public static long flow(final int sourceIpv4, final int destinationIpv4, final int sourcePort, final int destinationPort,
                            final int protocol) {
        final long addresses = ((sourceIpv4 & 0xffff_ffffL) << 32) | (destinationIpv4 & 0xffff_ffffL);
        final long rest = ((long) (sourcePort & 0xffff) << 24) | ((long) (destinationPort & 0xffff) << 8) | (protocol & 0xff);
        return mix64(mix64(FLOW_SEED ^ addresses) + rest);
    }

    /** Hash of an IPv6 five-tuple, for {@code mh}. */
    public static long flow(final long sourceHigh, final long sourceLow, final long destinationHigh, final long destinationLow,
                            final int sourcePort, final int destinationPort, final int protocol) {
        long h = mix64(FLOW_SEED ^ sourceHigh);
        h = mix64(h + sourceLow);
        h = mix64(h + destinationHigh);
        h = mix64(h + destinationLow);
        final long rest = ((long) (sourcePort & 0xffff) << 24) | ((long) (destinationPort & 0xffff) << 8) | (protocol & 0xff);
        return mix64(h + rest);
    }

    /** Hash of a byte string with a seed; control side only (backend identities). */
    public static long bytes(final byte[] data, final long seed) {
        long h = mix64(seed ^ data.length);
        int i = 0;
        for (; i + 8 <= data.length; i += 8) {
            long word = 0;
            for (int b = 0; b < 8; b++) {
                word = (word << 8) | (data[i + b] & 0xff);
            }
            h = mix64(h + word);
        }
        long tail = 0;
        for (; i < data.length; i++) {
            tail = (tail << 8) | (data[i] & 0xff);
        }
        return mix64(h + tail + 1);
    }
}
