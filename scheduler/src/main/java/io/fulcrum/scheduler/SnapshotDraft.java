package io.fulcrum.scheduler;

/**
 * Per-slot inputs the control side hands to {@link Scheduler#buildPickTable} while building a snapshot.
 * Arrays are indexed by slot and sized to the group's capacity.
 */
final class SnapshotDraft {
    /** Effective weight: 0 = takes no new work; slow start already applied. */
    final int[] effectiveWeights;
    /** Weight the consistent-hash base table uses (configured weight, kept while draining); 0 = not a member. */
    final int[] tableWeights;
    /** {@link BackendSpec#identityHash()} per slot. */
    final long[] identityHashes;
    /** Slow-start progress in permille (1000 = full weight); only read for eligible slots. */
    final int[] rampPermille;

    SnapshotDraft(final int[] effectiveWeights, final int[] tableWeights, final long[] identityHashes, final int[] rampPermille) {
        this.effectiveWeights = effectiveWeights;
        this.tableWeights = tableWeights;
        this.identityHashes = identityHashes;
        this.rampPermille = rampPermille;
    }
}
