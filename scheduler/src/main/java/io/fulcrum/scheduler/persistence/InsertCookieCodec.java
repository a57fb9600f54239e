package io.fulcrum.scheduler.persistence;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

import io.fulcrum.scheduler.BackendSpec;
import io.fulcrum.scheduler.GroupSnapshot;

/**
 * L7 {@code insert} persistence: the LB sets a cookie (default {@code FULCRUM_ID}) whose value names the backend
 * without exposing its address: the first 16 bytes of HMAC-SHA256(node secret, "fulcrum-insert-v1", group name,
 * backend address, port), base64url (22 characters). The value is stable across restarts and identical on every
 * node that shares the secret, and it cannot be forged for a backend without the secret.
 *
 * <p>The control side builds an {@link InsertCookieIndex} for each published snapshot (e.g. from a
 * {@link io.fulcrum.scheduler.BackendGroup.SnapshotListener}); the L7 stage resolves request cookies and gets the
 * precomputed {@code Set-Cookie} values from it without allocating. Browsers drop the cookie after
 * {@code Max-Age} = the persistence timeout (1–86400 s). The cookie is never set on a 4xx response
 * ({@link #mayInsert}).
 */
public final class InsertCookieCodec {
    /** Default cookie name. */
    public static final String DEFAULT_NAME = "FULCRUM_ID";
    /** Default timeout (Max-Age). */
    public static final int DEFAULT_TIMEOUT_S = 1200;

    private static final byte[] CONTEXT = "fulcrum-insert-v1".getBytes(StandardCharsets.US_ASCII);
    private static final int VALUE_BYTES = 16;

    private final NodeSecret secret;
    private final String cookieName;
    private final int timeoutS;

    /**
     * @param secret     the node secret
     * @param cookieName an RFC 6265 token, 1–64 characters
     * @param timeoutS   Max-Age, 1–86400 s
     */
    public InsertCookieCodec(final NodeSecret secret, final String cookieName, final int timeoutS) {
        this.secret = Objects.requireNonNull(secret, "node secret");
        this.cookieName = validateCookieName(cookieName);
        this.timeoutS = AppCookiePersistence.validateTimeoutS(timeoutS);
    }

    /** Refuses names that are not RFC 6265 tokens of 1–64 characters. */
    public static String validateCookieName(final String name) {
        if (name == null || name.isEmpty() || name.length() > 64) {
            throw new IllegalArgumentException(
                "cookie name must be 1-64 characters, got " + (name == null ? "none" : "'" + name + "'"));
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                throw new IllegalArgumentException("cookie name '" + name + "' has a character not allowed in a cookie name at "
                    + "position " + (i + 1));
            }
        }
        return name;
    }

    /** True unless {@code status} is 4xx: the cookie is never set on a 4xx response. */
    public static boolean mayInsert(final int status) {
        return status < 400 || status > 499;
    }

    public String cookieName() {
        return cookieName;
    }

    public int timeoutS() {
        return timeoutS;
    }

    /** The cookie value for a backend of group {@code groupName} (control side; allocates). */
    public String valueFor(final String groupName, final BackendSpec backend) {
        final byte[] group = groupName.getBytes(StandardCharsets.UTF_8);
        final byte[] address = backend.address().getAddress();
        final ByteBuffer message = ByteBuffer.allocate(CONTEXT.length + 1 + group.length + 1 + address.length + 2);
        message.put(CONTEXT).put((byte) 0).put(group).put((byte) 0).put(address).putShort((short) backend.port());
        final byte[] mac = secret.mac(message.array());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(mac, VALUE_BYTES));
    }

    /** Builds the lookup index for a snapshot (control side). */
    public InsertCookieIndex index(final GroupSnapshot snapshot) {
        final String[] values = new String[snapshot.capacity()];
        final String[] headers = new String[snapshot.capacity()];
        final String[] secureHeaders = new String[snapshot.capacity()];
        for (int slot = 0; slot < values.length; slot++) {
            final GroupSnapshot.Backend backend = snapshot.backend(slot);
            if (backend != null) {
                values[slot] = valueFor(snapshot.groupName(), backend.spec());
                headers[slot] = cookieName + "=" + values[slot] + "; Path=/; Max-Age=" + timeoutS + "; HttpOnly";
                secureHeaders[slot] = headers[slot] + "; Secure";
            }
        }
        return new InsertCookieIndex(snapshot, values, headers, secureHeaders);
    }
}
