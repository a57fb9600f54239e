package io.fulcrum.common.config;

import java.nio.file.Path;

/**
 * L7 access log ({@code listeners[].access-log}).
 *
 * @param enabled whether lines are written
 * @param path log file
 * @param format nginx-style format with $variables
 * @param maxFileBytes rotate when the file reaches this size
 * @param maxFiles rotated files kept
 */
public record AccessLogConfig(
        boolean enabled,
        Path path,
        String format,
        long maxFileBytes,
        int maxFiles) {
}
