package io.fulcrum.tls;

/**
 * Request headers the stage adds towards backends, each switchable per listener (PRODUCT.md "L7 headers").
 *
 * @param xForwardedFor   append the client address to {@code X-Forwarded-For}
 * @param xRealIp         set {@code X-Real-IP}
 * @param xForwardedProto set {@code X-Forwarded-Proto}
 * @param xForwardedPort  set {@code X-Forwarded-Port} (listener port)
 * @param xForwardedHost  set {@code X-Forwarded-Host} (the request's Host)
 * @param nodeHeaderName  name of the node-identity header, or null for none
 * @param nodeHeaderValue value of the node-identity header
 */
public record HeaderSettings(boolean xForwardedFor, boolean xRealIp, boolean xForwardedProto, boolean xForwardedPort,
                             boolean xForwardedHost, String nodeHeaderName, String nodeHeaderValue) {
    /** All switches on, no node header. */
    public static final HeaderSettings DEFAULTS = new HeaderSettings(true, true, true, true, true, null, null);

    /** Validates the node header. */
    public HeaderSettings {
        if (nodeHeaderName != null) {
            if (!HttpToken.isToken(nodeHeaderName)) {
                throw new IllegalArgumentException("node header name must be a token: " + nodeHeaderName);
            }
            if (nodeHeaderValue == null || !nodeHeaderValue.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
                throw new IllegalArgumentException("node header value must be visible ASCII: " + nodeHeaderValue);
            }
        }
    }
}
