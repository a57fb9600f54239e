package io.fulcrum.scheduler.persistence;

/** Session persistence modes, by configuration word. */
public enum PersistenceMode {
    /** No persistence. */
    NONE("none"),
    /** L4: client source IP. */
    SOURCE_IP("source-ip"),
    /** L7: LB-inserted cookie. */
    INSERT("insert"),
    /** L7: the backend's own cookie, learnt. */
    APP_COOKIE("app-cookie");

    private final String word;

    PersistenceMode(final String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    /** Parses a configuration word. */
    public static PersistenceMode parse(final String word) {
        for (final PersistenceMode m : values()) {
            if (m.word.equals(word)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown persistence '" + word + "': expected none, source-ip, insert or app-cookie");
    }
}
