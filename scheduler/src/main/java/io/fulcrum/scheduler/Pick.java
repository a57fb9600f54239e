package io.fulcrum.scheduler;

/**
 * Result codes of {@link Scheduler#pick}: a value {@code >= 0} is a backend slot in the snapshot the pick read;
 * a negative value says no backend is eligible and how the L4 data path answers the new flow. The L7 stage
 * answers 503 for any negative value.
 */
public final class Pick {
    /** No eligible backend; the L4 data path answers a new SYN with RST. */
    public static final int NO_BACKEND_RESET = -1;
    /** No eligible backend; the L4 data path drops the packet. */
    public static final int NO_BACKEND_DROP = -2;

    private Pick() {
    }

    /** True if {@code result} is a backend slot. */
    public static boolean isBackend(final int result) {
        return result >= 0;
    }
}
