package io.fulcrum.tls;

import java.time.Duration;

/**
 * L7 persistence of a backend group. {@code INSERT}: the stage inserts its own cookie (default name {@code FULCRUM_ID},
 * never on 4xx responses); {@code APP_COOKIE}: the backend's own cookie is learned by the selector.
 *
 * @param mode       persistence mode
 * @param cookieName cookie name
 * @param timeout    persistence timeout (1 s .. 86400 s)
 */
public record CookiePersistenceSettings(Mode mode, String cookieName, Duration timeout) {
    /** Persistence modes. */
    public enum Mode {
        /** No L7 persistence. */
        OFF,
        /** Fulcrum inserts {@code Set-Cookie: <name>=<backend token>}. */
        INSERT,
        /** The application's cookie is learned (the selector owns the mapping). */
        APP_COOKIE
    }

    /** No persistence. */
    public static final CookiePersistenceSettings OFF = new CookiePersistenceSettings(Mode.OFF, "FULCRUM_ID",
            Duration.ofSeconds(1200));

    /** Validates. */
    public CookiePersistenceSettings {
        if (mode != Mode.OFF) {
            if (cookieName == null || cookieName.isEmpty() || !HttpToken.isToken(cookieName)) {
                throw new IllegalArgumentException("cookie name must be a token: " + cookieName);
            }
            if (timeout.toSeconds() < 1 || timeout.toSeconds() > 86_400) {
                throw new IllegalArgumentException("persistence timeout must be 1..86400 s: " + timeout);
            }
        }
    }

    /** Insert mode with the default cookie name and timeout. */
    public static CookiePersistenceSettings insert() {
        return new CookiePersistenceSettings(Mode.INSERT, "FULCRUM_ID", Duration.ofSeconds(1200));
    }
}
