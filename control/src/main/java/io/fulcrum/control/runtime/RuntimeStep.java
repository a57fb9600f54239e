package io.fulcrum.control.runtime;

import java.util.Optional;

import io.fulcrum.common.config.FulcrumConfig;

/**
 * One part of the node that acts on configuration changes: the L4 forwarder's listener/group snapshots, the
 * health checker, the L7 stage. {@link ConductorRuntime} applies a change by running every step in order and,
 * if one throws, rolling back the steps already applied, in reverse order. This is the interface the L4 and
 * L7 wiring implements; the control plane never touches the data plane itself.
 *
 * <p>Contract, for a change from {@code current} to {@code next} (both fully validated, {@code diff} between them):
 * <ol>
 *   <li>{@link #check} runs for every step before any step applies. Return a reason to refuse a change this step
 *       cannot make while running (e.g. "listeners[d].mode: dnat listeners need io: af_packet"); nothing has changed
 *       yet, so a refusal costs nothing.</li>
 *   <li>{@link #apply} makes the change live. Hitless: build new snapshots off the data path and publish them
 *       (the agents pick them up between batches); new settings serve new connections, existing flows keep their
 *       backend unless {@code diff} removes it (then drain it for the group's {@code drain-timeout}). Throw if it
 *       cannot complete; it must then leave its part as it was before the call, or as {@link #rollback} can
 *       restore.</li>
 *   <li>{@link #rollback} runs for steps whose {@code apply} returned when a later step failed: publish
 *       {@code current} again. It must not throw.</li>
 * </ol>
 * All three run on the control thread, one change at a time.
 */
public interface RuntimeStep {
    /** A short name for messages and logs, e.g. {@code l4-listeners}. */
    String name();

    /** Refuses a change this step cannot apply while running; empty to accept. */
    default Optional<String> check(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
        return Optional.empty();
    }

    /** Applies the change; throws when it cannot (see the class comment). */
    void apply(FulcrumConfig current, FulcrumConfig next, ConfigDiff diff) throws Exception;

    /** Returns this step to {@code current} after a later step failed. */
    void rollback(FulcrumConfig current, FulcrumConfig next, ConfigDiff diff);
}
