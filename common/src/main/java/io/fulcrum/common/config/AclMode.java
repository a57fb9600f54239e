package io.fulcrum.common.config;

/** How a listener's ACL list is applied. */
public enum AclMode {
    /** Everyone is admitted; the list is kept but not used. */
    OFF("off"),
    /** Only sources in the list are admitted; an empty list admits nobody. */
    ALLOW("allow"),
    /** Sources in the list are refused. */
    DENY("deny");

    private final String token;

    AclMode(final String token) {
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
