package io.fulcrum.common.config;

import java.util.List;

/**
 * Response compression of an HTTP or HTTPS listener ({@code listeners[].gzip}).
 *
 * @param enabled  whether responses may be compressed (only when the client sends {@code Accept-Encoding: gzip})
 * @param types    media types compressed, lower case, without parameters ({@code text/html})
 * @param minBytes smallest {@code Content-Length} compressed; chunked responses of a listed type always are
 * @param level    deflate level 1..9
 */
public record GzipConfig(boolean enabled, List<String> types, int minBytes, int level) {
    /** The types compressed unless the file lists others. */
    public static final List<String> DEFAULT_TYPES = List.of("text/html", "text/plain", "text/css", "text/xml",
        "application/json", "application/javascript", "application/xml");
    /** Off: what a listener without a {@code gzip} section gets. */
    public static final GzipConfig OFF = new GzipConfig(false, DEFAULT_TYPES, 1024, 6);

    /** Copies collections so the record stays immutable. */
    public GzipConfig {
        types = List.copyOf(types);
    }
}
