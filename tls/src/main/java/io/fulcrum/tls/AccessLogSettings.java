package io.fulcrum.tls;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Access log of a listener: nginx-style format with {@code $variable} references, asynchronous writer with a bounded
 * queue, daily and size-based rotation.
 *
 * @param file          log file; rotated files get a {@code .yyyyMMdd-HHmmss} suffix
 * @param format        format, {@link #DEFAULT_FORMAT} is the 32-field ELB-compatible line
 * @param maxFileBytes  rotate when the file grows past this size (0 = no size rotation)
 * @param daily         rotate at local midnight
 * @param queueCapacity entries queued before new ones are dropped (and counted), power of two
 * @param maxFiles      rotated files kept (the oldest are deleted), 0 = keep all
 */
public record AccessLogSettings(Path file, String format, long maxFileBytes, boolean daily, int queueCapacity,
                                int maxFiles) {
    /** The 32 fields of the ELB access log (reference/seeds-huawei-guide.md §9.1), in order. */
    public static final String DEFAULT_FORMAT = "$msec $access_log_topic_id [$time_iso8601] $log_ver "
            + "$remote_addr:$remote_port $status \"$request_method $scheme://$host$router_request_uri "
            + "$server_protocol\" $request_length $bytes_sent $body_bytes_sent $request_time \"$upstream_status\" "
            + "\"$upstream_connect_time\" \"$upstream_header_time\" \"$upstream_response_time\" \"$upstream_addr\" "
            + "\"$http_user_agent\" \"$http_referer\" \"$http_x_forwarded_for\" $lb_name $listener_name "
            + "$listener_id $pool_name \"$member_name\" $tenant_id $eip_address:$eip_port \"$upstream_addr_priv\" "
            + "$certificate_id $ssl_protocol $ssl_cipher $sni_domain_name $tcpinfo_rtt";

    /** Settings that keep every rotated file. */
    public AccessLogSettings(Path file, String format, long maxFileBytes, boolean daily, int queueCapacity) {
        this(file, format, maxFileBytes, daily, queueCapacity, 0);
    }

    /** Validates. */
    public AccessLogSettings {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
        if (Integer.bitCount(queueCapacity) != 1 || queueCapacity < 16) {
            throw new IllegalArgumentException("queue capacity must be a power of two >= 16: " + queueCapacity);
        }
        if (maxFiles < 0) {
            throw new IllegalArgumentException("max files must be >= 0: " + maxFiles);
        }
        if (maxFileBytes < 0) {
            throw new IllegalArgumentException("max file bytes must be >= 0");
        }
    }

    /** Default format, 256 MiB size rotation, daily rotation, 8192 queued entries. */
    public static AccessLogSettings of(final Path file) {
        return new AccessLogSettings(file, DEFAULT_FORMAT, 256L << 20, true, 8192);
    }
}
