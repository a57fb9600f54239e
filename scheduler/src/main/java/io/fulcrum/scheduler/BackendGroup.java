package io.fulcrum.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The control side of one backend group: it owns the backends' administrative, health, ejection, slow-start and
 * drain state and publishes an immutable {@link GroupSnapshot} (copy-on-write) after every change. Data paths
 * only read {@link #snapshot()} and call the {@link #scheduler()}.
 *
 * <p>Mutators are synchronized (control-side threads only: the config conductor, the health checker's callback,
 * the outlier evaluation) and take the caller's clock reading. {@link #tick} must be called periodically
 * (100 ms–1 s) so that drain deadlines and slow-start steps are published on time.
 *
 * <p><b>Slow start</b>: a backend that becomes able to serve (healthy, not ejected, weight above 0) ramps its
 * effective weight from 10 % to 100 % in steps of 10 % over {@code slow-start} seconds (at least weight 1).
 * <b>Draining</b>: weight 0 or removal stops new work at once; existing flows continue until
 * {@code drain-timeout} passes, then the backend turns {@link BackendState#DRAINED} (weight 0) or leaves the
 * group (removal), and {@link GroupSnapshot#admitsExisting} turns false for its flows.
 * <b>Primary/backup</b>: backups serve only while no primary is eligible; failback is automatic.
 */
public final class BackendGroup {
    /** Called after each publication, on the publishing (control) thread; must not block. */
    @FunctionalInterface
    public interface SnapshotListener {
        void onPublished(GroupSnapshot snapshot);
    }

    private static final int RAMP_STEPS = 10;

    private final BackendGroupConfiguration configuration;
    private final Scheduler scheduler;
    private final Member[] members;
    private final int[] generations;
    private final List<SnapshotListener> listeners = new CopyOnWriteArrayList<>();
    private long version;
    private volatile GroupSnapshot snapshot;
    /** The group that took over from this one ({@link #reconfigured}); health and ejection results go there. */
    private BackendGroup successor;

    private static final class Member {
        final int ref;
        final BackendSpec spec;
        int weight;
        int tableWeight;
        boolean healthy;
        boolean ejected;
        boolean removing;
        long drainDeadlineMs = Long.MAX_VALUE;
        boolean wasCandidate;
        long rampStartMs;
        int rampPermille = 1000;

        Member(final int ref, final BackendSpec spec) {
            this.ref = ref;
            this.spec = spec;
        }

        Member copy() {
            final Member m = new Member(ref, spec);
            m.weight = weight;
            m.tableWeight = tableWeight;
            m.healthy = healthy;
            m.ejected = ejected;
            m.removing = removing;
            m.drainDeadlineMs = drainDeadlineMs;
            m.wasCandidate = wasCandidate;
            m.rampStartMs = rampStartMs;
            m.rampPermille = rampPermille;
            return m;
        }
    }

    /** A group with no backends; publishes its first (empty) snapshot at once. */
    public BackendGroup(final BackendGroupConfiguration configuration, final long nowMs) {
        this.configuration = Objects.requireNonNull(configuration, "configuration");
        this.scheduler = Scheduler.create(configuration.algorithm(), configuration.lanes(), configuration.capacity(),
            configuration.maglevTableSize());
        this.members = new Member[configuration.capacity()];
        this.generations = new int[configuration.capacity()];
        publish(nowMs);
    }

    private BackendGroup(final BackendGroupConfiguration configuration, final BackendGroup predecessor, final long nowMs) {
        this.configuration = configuration;
        this.scheduler = Scheduler.successor(predecessor.scheduler, configuration.algorithm(), configuration.maglevTableSize());
        this.members = new Member[predecessor.members.length];
        for (int slot = 0; slot < members.length; slot++) {
            final Member m = predecessor.members[slot];
            if (m != null) {
                members[slot] = m.copy();
                if (!configuration.healthChecked()) {
                    members[slot].healthy = true; // checks off: every backend counts as healthy
                }
            }
        }
        this.generations = predecessor.generations.clone();
        this.version = predecessor.version;
        publish(nowMs);
    }

    /**
     * A group with {@code next}'s settings (algorithm, Maglev size, slow start, drain timeout, all-down action,
     * health checking) that takes over this group's members with their refs, weights, health, drains and
     * connection counts, so flows already tracked keep their backend and keep counting. The data path switches
     * when the caller publishes the new group; this one keeps its last snapshot for the agents still reading it
     * and forwards later health and ejection results to the successor. Drain deadlines already running keep their
     * end; with checks turned on, backends keep their state until their first check result.
     *
     * @throws IllegalArgumentException if the name, layer, lanes or capacity differ (those need a new group)
     */
    public synchronized BackendGroup reconfigured(final BackendGroupConfiguration next, final long nowMs) {
        Objects.requireNonNull(next, "configuration");
        if (!next.name().equals(configuration.name()) || next.layer() != configuration.layer()
            || next.lanes() != configuration.lanes() || next.capacity() != configuration.capacity()) {
            throw new IllegalArgumentException("group " + configuration.name()
                + ": name, layer, lanes and capacity cannot change on a running group");
        }
        if (successor != null) {
            throw new IllegalStateException("group " + configuration.name() + " was already reconfigured");
        }
        successor = new BackendGroup(next, this, nowMs);
        return successor;
    }

    public BackendGroupConfiguration configuration() {
        return configuration;
    }

    /** The current snapshot: one volatile read; data paths read it once per duty cycle or request. */
    public GroupSnapshot snapshot() {
        return snapshot;
    }

    /** The group's scheduler (per-lane state lives there). */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** Registers a listener for new snapshots (e.g. to rebuild an L7 cookie index or refresh metrics). */
    public void addListener(final SnapshotListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Adds a backend and returns its reference. With health checks on it takes work only after its first
     * successful check ({@link #setHealthy}); with checks off at once (after slow start, if set).
     *
     * @throws IllegalArgumentException if the endpoint is already in the group (and not being removed), or a backup
     *                                  is added to an L7 group
     * @throws IllegalStateException    if the group is at capacity
     */
    public synchronized int add(final BackendSpec spec, final long nowMs) {
        Objects.requireNonNull(spec, "backend");
        if (spec.role() == BackendRole.BACKUP && configuration.layer() != Layer.L4) {
            throw new IllegalArgumentException(
                "group " + configuration.name() + ": backup backends are an L4 feature (" + spec + ")");
        }
        int free = -1;
        for (int slot = 0; slot < members.length; slot++) {
            final Member m = members[slot];
            if (m == null) {
                if (free < 0) {
                    free = slot;
                }
            } else if (!m.removing && m.spec.sameEndpoint(spec)) {
                throw new IllegalArgumentException(
                    "group " + configuration.name() + ": backend " + spec + " is already a member");
            }
        }
        if (free < 0) {
            throw new IllegalStateException("group " + configuration.name() + " is full (capacity " + members.length + ")");
        }
        int generation = generations[free] + 1;
        if (generation > 0x7fff) {
            generation = 1;
        }
        generations[free] = generation;
        final Member m = new Member((generation << 16) | free, spec);
        m.weight = spec.weight();
        m.tableWeight = spec.weight() > 0 ? spec.weight() : BackendSpec.DEFAULT_WEIGHT;
        m.healthy = !configuration.healthChecked();
        if (m.weight == 0) {
            m.drainDeadlineMs = nowMs;
        }
        members[free] = m;
        publish(nowMs);
        return m.ref;
    }

    /**
     * Changes a backend's weight. Weight 0 starts draining (no new work; existing flows are cut after the drain
     * timeout); a weight above 0 ends a drain.
     */
    public synchronized void setWeight(final int ref, final int weight, final long nowMs) {
        if (weight < 0 || weight > BackendSpec.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be 0-100, got " + weight);
        }
        final Member m = member(ref);
        if (weight == m.weight) {
            return;
        }
        if (weight == 0) {
            m.drainDeadlineMs = Math.min(m.drainDeadlineMs, nowMs + configuration.drainTimeoutS() * 1000L);
        } else {
            m.tableWeight = weight;
            if (!m.removing) {
                m.drainDeadlineMs = Long.MAX_VALUE;
            }
        }
        m.weight = weight;
        publish(nowMs);
    }

    /** Removes a backend: it drains for the drain timeout (0 = at once), then its slot is freed. */
    public synchronized void remove(final int ref, final long nowMs) {
        final Member m = member(ref);
        if (m.removing) {
            return;
        }
        m.removing = true;
        m.drainDeadlineMs = Math.min(m.drainDeadlineMs, nowMs + configuration.drainTimeoutS() * 1000L);
        publish(nowMs);
    }

    /** Health-check result for a backend (from the health checker's listener). Unknown refs are ignored. */
    public synchronized void setHealthy(final int ref, final boolean healthy, final long nowMs) {
        if (successor != null) {
            successor.setHealthy(ref, healthy, nowMs);
            return;
        }
        final Member m = find(ref);
        if (m == null || m.healthy == healthy) {
            return;
        }
        m.healthy = healthy;
        publish(nowMs);
    }

    /** Outlier-detection ejection on or off. Unknown refs are ignored. */
    public synchronized void setEjected(final int ref, final boolean ejected, final long nowMs) {
        if (successor != null) {
            successor.setEjected(ref, ejected, nowMs);
            return;
        }
        final Member m = find(ref);
        if (m == null || m.ejected == ejected) {
            return;
        }
        m.ejected = ejected;
        publish(nowMs);
    }

    /** Publishes a new snapshot if a drain deadline passed or a slow-start step is due; returns whether it did. */
    public synchronized boolean tick(final long nowMs) {
        boolean due = false;
        for (final Member m : members) {
            if (m == null) {
                continue;
            }
            if (m.drainDeadlineMs <= nowMs && (m.removing || m.weight == 0)) {
                final BackendState published = snapshot.backend(GroupSnapshot.slotOf(m.ref)).state();
                if (m.removing || published != BackendState.DRAINED) {
                    due = true;
                }
            }
            if (m.wasCandidate && m.rampPermille < 1000 && rampPermille(m, nowMs) != m.rampPermille) {
                due = true;
            }
        }
        if (due) {
            publish(nowMs);
        }
        return due;
    }

    /** Refs of the current members (draining ones included), for status output. */
    public synchronized List<Integer> refs() {
        final List<Integer> refs = new ArrayList<>();
        for (final Member m : members) {
            if (m != null) {
                refs.add(m.ref);
            }
        }
        return refs;
    }

    /** The ref of the non-removing member with this endpoint, or 0. */
    public synchronized int refOf(final BackendSpec endpoint) {
        for (final Member m : members) {
            if (m != null && !m.removing && m.spec.sameEndpoint(endpoint)) {
                return m.ref;
            }
        }
        return 0;
    }

    private Member member(final int ref) {
        final Member m = find(ref);
        if (m == null) {
            throw new IllegalArgumentException("group " + configuration.name() + " has no backend with ref " + ref);
        }
        return m;
    }

    private Member find(final int ref) {
        final int slot = GroupSnapshot.slotOf(ref);
        if (slot >= members.length) {
            return null;
        }
        final Member m = members[slot];
        return m != null && m.ref == ref ? m : null;
    }

    /** 100, 100, 200, ... 900 permille over the ramp's ten tenths, 1000 once it has passed. */
    private int rampPermille(final Member m, final long nowMs) {
        final long rampMs = configuration.slowStartS() * 1000L;
        final long elapsed = nowMs - m.rampStartMs;
        if (rampMs == 0 || elapsed >= rampMs) {
            return 1000;
        }
        final long step = Math.max(1, elapsed * RAMP_STEPS / rampMs);
        return (int) step * (1000 / RAMP_STEPS);
    }

    private void publish(final long nowMs) {
        final int capacity = members.length;
        final GroupSnapshot.Backend[] backends = new GroupSnapshot.Backend[capacity];
        final int[] refs = new int[capacity];
        final int[] effective = new int[capacity];
        final byte[] states = new byte[capacity];
        final long[] deadlines = new long[capacity];
        final int[] tableWeights = new int[capacity];
        final long[] identities = new long[capacity];
        final int[] ramp = new int[capacity];
        boolean primaryEligible = false;
        for (int slot = 0; slot < capacity; slot++) {
            final Member m = members[slot];
            deadlines[slot] = Long.MAX_VALUE;
            if (m == null) {
                continue;
            }
            if (m.removing && m.drainDeadlineMs <= nowMs) {
                members[slot] = null;
                continue;
            }
            refs[slot] = m.ref;
            identities[slot] = m.spec.identityHash();
            tableWeights[slot] = m.tableWeight;
            final boolean candidate = m.healthy && !m.ejected && m.weight > 0 && !m.removing;
            if (candidate && !m.wasCandidate) {
                m.rampStartMs = nowMs;
            }
            m.wasCandidate = candidate;
            final BackendState state;
            if (m.removing || m.weight == 0) {
                state = m.drainDeadlineMs <= nowMs ? BackendState.DRAINED : BackendState.DRAINING;
                deadlines[slot] = m.drainDeadlineMs;
            } else if (!m.healthy) {
                state = BackendState.DOWN;
            } else if (m.ejected) {
                state = BackendState.EJECTED;
            } else {
                state = BackendState.UP;
                m.rampPermille = rampPermille(m, nowMs);
                ramp[slot] = m.rampPermille;
                effective[slot] = Math.max(1, (m.weight * ramp[slot] + 500) / 1000);
                if (m.spec.role() == BackendRole.PRIMARY) {
                    primaryEligible = true;
                }
            }
            states[slot] = (byte) state.ordinal();
        }
        int eligible = 0;
        for (int slot = 0; slot < capacity; slot++) {
            final Member m = members[slot];
            if (m == null) {
                continue;
            }
            if (effective[slot] > 0 && primaryEligible && m.spec.role() == BackendRole.BACKUP) {
                effective[slot] = 0;
                states[slot] = (byte) BackendState.STANDBY.ordinal();
            }
            if (effective[slot] > 0) {
                eligible++;
            }
            backends[slot] = new GroupSnapshot.Backend(m.ref, slot, m.spec.withWeight(m.weight),
                BackendState.of(states[slot]), effective[slot], deadlines[slot]);
        }
        final int[] pickTable = scheduler.buildPickTable(new SnapshotDraft(effective, tableWeights, identities, ramp));
        version++;
        final GroupSnapshot next = new GroupSnapshot(version, nowMs, configuration.name(), backends, refs, effective, states,
            deadlines, pickTable, eligible, configuration.noBackendAction().pickCode());
        snapshot = next;
        for (final SnapshotListener listener : listeners) {
            listener.onPublished(next);
        }
    }
}
