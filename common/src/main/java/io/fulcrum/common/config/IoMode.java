package io.fulcrum.common.config;

/** How the forwarder exchanges frames with the NIC. */
public enum IoMode {
    /** AF_XDP when the interface and kernel allow it, else AF_PACKET. */
    AUTO("auto"),
    /** AF_XDP sockets only; start fails if unavailable. */
    AF_XDP("af_xdp"),
    /** AF_PACKET TPACKET_V3 rings only. */
    AF_PACKET("af_packet");

    private final String token;

    IoMode(final String token) {
        this.token = token;
    }

    /** The word used in the configuration file. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
