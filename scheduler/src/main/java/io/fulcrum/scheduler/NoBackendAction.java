package io.fulcrum.scheduler;

/**
 * What the L4 data path does with a new flow when no backend is eligible. Existing flows continue.
 * The L7 stage answers 503 whatever this says.
 */
public enum NoBackendAction {
    /** Answer a new SYN with RST (the default). */
    RESET(Pick.NO_BACKEND_RESET),
    /** Drop the packet silently. */
    DROP(Pick.NO_BACKEND_DROP);

    private final int pickCode;

    NoBackendAction(final int pickCode) {
        this.pickCode = pickCode;
    }

    /** The negative code {@link Scheduler#pick} returns for this action. */
    public int pickCode() {
        return pickCode;
    }

    /** Parses the configuration word ({@code reset} or {@code drop}). */
    public static NoBackendAction parse(final String word) {
        return switch (word) {
            case "reset" -> RESET;
            case "drop" -> DROP;
            default -> throw new IllegalArgumentException(
                "all-backends-down action must be 'reset' or 'drop', got '" + word + "'");
        };
    }
}
