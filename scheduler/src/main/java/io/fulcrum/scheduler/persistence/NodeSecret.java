package io.fulcrum.scheduler.persistence;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The node secret that keys cookie MACs and cookie-value hashes: at least 16 bytes. Nodes behind the same ECMP
 * route should share it (from the config file) so an inserted cookie means the same backend on every node;
 * {@link #random()} is for single nodes and tests.
 */
public final class NodeSecret {
    /** Shortest accepted secret. */
    public static final int MIN_LENGTH = 16;

    private final byte[] bytes;

    /** Copies and validates the secret bytes. */
    public NodeSecret(final byte[] secret) {
        if (secret == null || secret.length < MIN_LENGTH) {
            throw new IllegalArgumentException("node secret must be at least " + MIN_LENGTH + " bytes, got "
                + (secret == null ? "none" : secret.length + " bytes"));
        }
        this.bytes = secret.clone();
    }

    /** A fresh 32-byte secret from {@link SecureRandom}. */
    public static NodeSecret random() {
        final byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new NodeSecret(secret);
    }

    /** HMAC-SHA256 of {@code message} under the secret (control side; allocates). */
    byte[] mac(final byte[] message) {
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(bytes, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** 64-bit sub-key derived from the secret for {@code purpose}. */
    long subKey(final String purpose) {
        return ByteBuffer.wrap(mac(("fulcrum-subkey:" + purpose).getBytes(StandardCharsets.US_ASCII))).getLong();
    }
}
