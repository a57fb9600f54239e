package io.fulcrum.common.config;

/** What an L4 listener does with new connections when no backend is healthy (L7 answers 503). */
public enum AllDownAction {
    /** Answer new SYNs with RST. */
    RESET("reset"),
    /** Drop new packets silently. */
    DROP("drop");

    private final String token;

    AllDownAction(final String token) {
        this.token = token;
    }

    /** The word used in the configuration file. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
