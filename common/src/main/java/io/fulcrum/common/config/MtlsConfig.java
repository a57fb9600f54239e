package io.fulcrum.common.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Mutual TLS ({@code listeners[].mtls}).
 *
 * @param mode off, required or optional
 * @param ca CA bundle client certificates are verified against; present unless off
 */
public record MtlsConfig(
        MtlsMode mode,
        Optional<Path> ca) {
}
