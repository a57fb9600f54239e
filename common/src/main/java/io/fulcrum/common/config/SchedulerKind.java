package io.fulcrum.common.config;

/** Backend scheduling algorithms. */
public enum SchedulerKind {
    /** Round robin. */
    RR("rr"),
    /** Smooth weighted round robin. */
    WRR("wrr"),
    /** Least connections. */
    LC("lc"),
    /** Weighted least connections (connections divided by weight). */
    WLC("wlc"),
    /** Source-IP consistent hash (Maglev), weights honoured. */
    SH("sh"),
    /** Maglev hash of the 5-tuple. */
    MH("mh");

    private final String token;

    SchedulerKind(final String token) {
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
