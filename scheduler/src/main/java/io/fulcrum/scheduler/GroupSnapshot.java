package io.fulcrum.scheduler;

/**
 * An immutable view of one backend group that the control side publishes (copy-on-write) whenever backends,
 * weights, health, ejections, slow-start steps or drain states change. Data paths read it with one volatile
 * load ({@link BackendGroup#snapshot()}) per duty cycle or request and pass it to {@link Scheduler#pick}.
 *
 * <p>Backends live in <em>slots</em> {@code 0 .. capacity-1}. A backend reference ({@code ref}) is
 * {@code generation << 16 | slot}; it is never 0, and a slot reused for another backend gets another
 * generation, so a flow or a persistence entry that stored a ref can tell that its backend is gone.
 *
 * <p>All arrays are owned by the snapshot and never change after publication; the accessors do not copy.
 */
public final class GroupSnapshot {
    private static final int SLOT_MASK = 0xffff;

    private final long version;
    private final long builtAtMs;
    private final String groupName;
    private final Backend[] backends;
    private final int[] refs;
    private final int[] effectiveWeights;
    private final byte[] states;
    private final long[] drainDeadlinesMs;
    private final int[] pickTable;
    private final int eligibleCount;
    private final int noBackendCode;

    /** One backend as this snapshot sees it. */
    public record Backend(int ref, int slot, BackendSpec spec, BackendState state, int effectiveWeight, long drainDeadlineMs) {
    }

    GroupSnapshot(final long version, final long builtAtMs, final String groupName, final Backend[] backends,
                  final int[] refs, final int[] effectiveWeights, final byte[] states, final long[] drainDeadlinesMs,
                  final int[] pickTable, final int eligibleCount, final int noBackendCode) {
        this.version = version;
        this.builtAtMs = builtAtMs;
        this.groupName = groupName;
        this.backends = backends;
        this.refs = refs;
        this.effectiveWeights = effectiveWeights;
        this.states = states;
        this.drainDeadlinesMs = drainDeadlinesMs;
        this.pickTable = pickTable;
        this.eligibleCount = eligibleCount;
        this.noBackendCode = noBackendCode;
    }

    /** Slot of a backend reference. */
    public static int slotOf(final int ref) {
        return ref & SLOT_MASK;
    }

    /** Increases with every publication of the same group. */
    public long version() {
        return version;
    }

    /** Control-side clock reading when this snapshot was built. */
    public long builtAtMs() {
        return builtAtMs;
    }

    public String groupName() {
        return groupName;
    }

    /** Number of slots (the group's capacity). */
    public int capacity() {
        return refs.length;
    }

    /** Number of backends that take new work. */
    public int eligibleCount() {
        return eligibleCount;
    }

    /** The code a pick returns when no backend is eligible ({@link Pick#NO_BACKEND_RESET} or {@link Pick#NO_BACKEND_DROP}). */
    public int noBackendCode() {
        return noBackendCode;
    }

    /** Reference of the backend in {@code slot}, 0 if the slot is free. */
    public int ref(final int slot) {
        return refs[slot];
    }

    /** The backend in {@code slot}, or null if the slot is free. */
    public Backend backend(final int slot) {
        return backends[slot];
    }

    /** Effective weight (after slow start) of the backend in {@code slot}; 0 if it takes no new work. */
    public int effectiveWeight(final int slot) {
        return effectiveWeights[slot];
    }

    /** State of the backend in {@code slot}; meaningless for a free slot (check {@link #ref}). */
    public BackendState state(final int slot) {
        return BackendState.of(states[slot]);
    }

    /** True if the backend {@code ref} still exists and takes new work (for persistence hits). */
    public boolean isEligible(final int ref) {
        final int slot = ref & SLOT_MASK;
        return slot < refs.length && refs[slot] == ref && effectiveWeights[slot] > 0;
    }

    /**
     * True if an existing flow to backend {@code ref} may continue. False once the backend was removed and its
     * drain deadline passed, or its weight is 0 and the drain deadline passed: the data path resets such flows.
     * Flows to backends that are down, ejected or draining continue.
     */
    public boolean admitsExisting(final int ref) {
        final int slot = ref & SLOT_MASK;
        return slot < refs.length && refs[slot] == ref && states[slot] != BackendState.DRAINED.ordinal();
    }

    /** Drain deadline of the backend in {@code slot}, {@link Long#MAX_VALUE} if it is not draining. */
    public long drainDeadlineMs(final int slot) {
        return drainDeadlinesMs[slot];
    }

    int[] pickTable() {
        return pickTable;
    }

    int[] effectiveWeights() {
        return effectiveWeights;
    }
}
