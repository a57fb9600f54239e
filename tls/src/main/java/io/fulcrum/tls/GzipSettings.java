package io.fulcrum.tls;

import java.util.Set;

/**
 * Response compression of a listener.
 *
 * @param enabled        whether responses may be compressed
 * @param mimeTypes      media types (without parameters, lower case) that are compressed
 * @param minLengthBytes smallest Content-Length compressed (chunked responses are always eligible)
 * @param level          deflate level 1..9
 */
public record GzipSettings(boolean enabled, Set<String> mimeTypes, int minLengthBytes, int level) {
    /** Off. */
    public static final GzipSettings OFF = new GzipSettings(false, Set.of(), 1024, 6);

    /** Validates and copies. */
    public GzipSettings {
        mimeTypes = Set.copyOf(mimeTypes);
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 1..9: " + level);
        }
        if (minLengthBytes < 0) {
            throw new IllegalArgumentException("gzip min length must be >= 0: " + minLengthBytes);
        }
    }

    /** On for the common text types, 1 KiB minimum, level 6. */
    public static GzipSettings defaultsOn() {
        return new GzipSettings(true, Set.of("text/html", "text/plain", "text/css", "application/json",
                "application/javascript", "text/xml", "application/xml"), 1024, 6);
    }
}
