package io.fulcrum.tls;

/**
 * Request size limits of a listener (PRODUCT.md "L7 limits and errors").
 *
 * @param maxHeaderBytes header block limit including the request line (→ 431), default 64 KiB
 * @param maxUriBytes    request-target limit (→ 414), default 32 KiB
 * @param maxBodyBytes   request body limit (→ 413), default 10 GiB
 */
public record LimitSettings(int maxHeaderBytes, int maxUriBytes, long maxBodyBytes) {
    /** 64 KiB, 32 KiB, 10 GiB. */
    public static final LimitSettings DEFAULTS = new LimitSettings(64 * 1024, 32 * 1024, 10L << 30);

    /** Validates. */
    public LimitSettings {
        if (maxHeaderBytes < 1024 || maxHeaderBytes > 1 << 20) {
            throw new IllegalArgumentException("max header bytes must be 1 KiB..1 MiB: " + maxHeaderBytes);
        }
        if (maxUriBytes < 64 || maxUriBytes >= maxHeaderBytes) {
            throw new IllegalArgumentException("max URI bytes must be 64..maxHeaderBytes-1: " + maxUriBytes);
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("max body bytes must be >= 0: " + maxBodyBytes);
        }
    }
}
