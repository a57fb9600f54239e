package io.fulcrum.common.config;

/** Session persistence kinds. */
public enum PersistenceType {
    /** L4: the same client address goes to the same backend. */
    SOURCE_IP("source-ip"),
    /** L7: the load balancer inserts its own cookie. */
    INSERT("insert"),
    /** L7: the backend's own cookie is learned and followed. */
    APP_COOKIE("app-cookie");

    private final String token;

    PersistenceType(final String token) {
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
