package io.fulcrum.common.config;

/** How the XDP program is attached. */
public enum XdpMode {
    /** Native (driver) mode when the driver supports it, else generic. */
    AUTO("auto"),
    /** Driver mode only. */
    NATIVE("native"),
    /** Generic (skb) mode only. */
    GENERIC("generic");

    private final String token;

    XdpMode(final String token) {
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
