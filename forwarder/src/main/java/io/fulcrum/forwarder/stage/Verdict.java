package io.fulcrum.forwarder.stage;

/**
 * A frame's fate as an {@code int}, so that stages return it without allocating:
 * <ul>
 *   <li>{@code >= 0}: transmit the (rewritten) frame on the port with that index;</li>
 *   <li>{@link #CONSUMED}: taken in, nothing to send (e.g. an ARP reply that taught the neighbour table);</li>
 *   <li>{@link #drop(DropReason)}: dropped for that reason ({@code -2 - ordinal}).</li>
 * </ul>
 * The agent counts every verdict exactly once, so {@code rx frames = transmit + consume + sum(drops)}.
 */
public final class Verdict {
    public static final int CONSUMED = -1;
    private static final int DROP_BASE = -2;

    private Verdict() {
    }

    public static int drop(final DropReason reason) {
        return DROP_BASE - reason.ordinal();
    }

    public static boolean isTransmit(final int verdict) {
        return verdict >= 0;
    }

    public static boolean isDrop(final int verdict) {
        return verdict <= DROP_BASE;
    }

    /** The drop reason's ordinal of a drop verdict. */
    public static int dropOrdinal(final int verdict) {
        return DROP_BASE - verdict;
    }

    /** The drop reason of a drop verdict (tests and logs). */
    public static DropReason dropReason(final int verdict) {
        return DropReason.of(dropOrdinal(verdict));
    }

    /** A readable form for tests and logs (allocates). */
    public static String describe(final int verdict) {
        if (verdict >= 0) {
            return "transmit(port " + verdict + ")";
        }
        if (verdict == CONSUMED) {
            return "consumed";
        }
        return "drop(" + dropReason(verdict).label() + ")";
    }
}
