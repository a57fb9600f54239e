package io.fulcrum.forwarder.stage;

/** Classification of IPv4 addresses (ints in network order), as RFC 1812 section 5.3.7 and RFC 6890 use it. */
public final class Ipv4Addresses {
    public static final int LIMITED_BROADCAST = -1;

    private Ipv4Addresses() {
    }

    /** 224.0.0.0/4. */
    public static boolean isMulticast(final int address) {
        return (address >>> 28) == 0xe;
    }

    /**
     * True for addresses that must never be a packet's source (RFC 1812 5.3.7): 0.0.0.0/8 ("this network"),
     * 127.0.0.0/8 (loopback), 224.0.0.0/4 (multicast) and 240.0.0.0/4 (reserved, incl. limited broadcast).
     */
    public static boolean isMartian(final int address) {
        final int first = address >>> 24;
        return first == 0 || first == 127 || first >= 224;
    }

    /** True for addresses a host may own: not martian. */
    public static boolean isUnicast(final int address) {
        return !isMartian(address);
    }
}
