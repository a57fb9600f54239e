package io.fulcrum.common.config;

import java.nio.file.Path;

/**
 * A PEM certificate chain and its unencrypted private key ({@code listeners[].certificates[]}).
 *
 * @param cert certificate chain, leaf first
 * @param key PKCS#1 or PKCS#8 private key
 */
public record CertificateConfig(
        Path cert,
        Path key) {
}
