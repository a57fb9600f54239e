package io.fulcrum.tls;

/**
 * Redirect target of a rule: the scheme and the port of the target listener. The {@code Location} keeps the request's
 * host, path and query; the status is 301 for GET/HEAD and 308 otherwise.
 *
 * @param scheme target scheme ({@code https} or {@code http})
 * @param port   target port, omitted from {@code Location} when it is the scheme's default
 */
public record RedirectSettings(String scheme, int port) {
    /** Validates. */
    public RedirectSettings {
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            throw new IllegalArgumentException("redirect scheme must be http or https: " + scheme);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("redirect port must be 1..65535: " + port);
        }
    }

    /** HTTP → HTTPS on port 443. */
    public static RedirectSettings toHttps() {
        return new RedirectSettings("https", 443);
    }
}
