package io.fulcrum.common.config;

/** Whether AF_XDP binds in zero-copy mode. */
public enum ZeroCopyMode {
    /** Zero-copy when the driver supports it, else copy mode. */
    AUTO("auto"),
    /** Zero-copy only; start fails if unavailable. */
    ON("on"),
    /** Copy mode. */
    OFF("off");

    private final String token;

    ZeroCopyMode(final String token) {
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
