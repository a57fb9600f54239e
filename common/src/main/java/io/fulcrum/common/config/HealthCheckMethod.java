package io.fulcrum.common.config;

/** HTTP method of HTTP/HTTPS health checks. */
public enum HealthCheckMethod {
    /** GET (default). */
    GET("GET"),
    /** HEAD. */
    HEAD("HEAD");

    private final String token;

    HealthCheckMethod(final String token) {
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
