package io.fulcrum.common.config;

/**
 * Whether AF_PACKET ports read and write virtio net headers ({@code dataplane.af-packet-vnet-header}), so GSO
 * super-frames and partial checksums from peers with TSO/GSO and checksum offload (veth's defaults) are forwarded.
 */
public enum AfPacketVnetHeader {
    /** On when the kernel accepts PACKET_VNET_HDR, else off with a warning. */
    AUTO("auto"),
    /** On; start fails if the kernel refuses it. */
    ON("on"),
    /** Off: frames of one MTU only (peers must have TSO/GSO and TX checksum offload off). */
    OFF("off");

    private final String token;

    AfPacketVnetHeader(final String token) {
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
