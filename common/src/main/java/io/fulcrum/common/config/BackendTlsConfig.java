package io.fulcrum.common.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS towards the backends of an {@code https} group ({@code backend-groups[].tls}).
 *
 * @param verify     verify the backend's certificate chain (against {@code ca}, else the JDK's trusted roots) and, when
 *                   {@code serverName} is set, its name
 * @param ca         PEM bundle of the CAs backend certificates must chain to
 * @param serverName name sent as SNI and checked against the backend certificate; empty: no SNI, no name check
 */
public record BackendTlsConfig(boolean verify, Optional<Path> ca, Optional<String> serverName) {
    /** Verification on against the JDK's trusted roots, no SNI: the value when {@code tls} is not written. */
    public static final BackendTlsConfig DEFAULT = new BackendTlsConfig(true, Optional.empty(), Optional.empty());
}
