package io.fulcrum.control.runtime;

import java.util.List;

/**
 * The outcome of {@link NodeRuntime#apply}: applied (possibly with no change at all), refused before anything
 * changed, or failed in a step and rolled back. In the last two cases the running state is as it was.
 *
 * @param outcome    what happened
 * @param reason     why it was refused or failed; empty when applied
 * @param diff       the changes (applied, or those that would have been)
 * @param generation the running state's generation after the call
 */
public record ApplyResult(Outcome outcome, String reason, ConfigDiff diff, long generation) {
    /** What happened. */
    public enum Outcome {
        /** Every change is live. */
        APPLIED,
        /** Nothing was tried: invalid, or not applicable while running. */
        REFUSED,
        /** A step failed; every step already done was rolled back. */
        FAILED
    }

    /** Whether the change is live. */
    public boolean applied() {
        return outcome == Outcome.APPLIED;
    }

    static ApplyResult refused(final String reason, final ConfigDiff diff, final long generation) {
        return new ApplyResult(Outcome.REFUSED, reason, diff, generation);
    }

    static ApplyResult failed(final String reason, final ConfigDiff diff, final long generation) {
        return new ApplyResult(Outcome.FAILED, reason, diff, generation);
    }

    static ApplyResult applied(final ConfigDiff diff, final long generation) {
        return new ApplyResult(Outcome.APPLIED, "", diff, generation);
    }

    /** The diff as lines, or {@code (no changes)}. */
    public List<String> diffLines() {
        return diff.changes().isEmpty() ? List.of("(no changes)") : diff.changes().stream().map(ConfigChange::toString).toList();
    }
}
