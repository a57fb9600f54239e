package io.fulcrum.control.runtime;

import io.fulcrum.common.config.FeatureGate;
import io.fulcrum.common.config.FulcrumConfig;

/**
 * The running state of a node, which is a {@link FulcrumConfig}, and the one way to change it. Every control
 * command builds a new configuration from {@link #current()}, validated by the configuration file's rules under
 * {@link #gate()}, and hands it to {@link #apply}: all or nothing, hitless for flows whose backend stays.
 */
public interface NodeRuntime {
    /** The configuration now running. */
    FulcrumConfig current();

    /** The features this node can act on; candidates are validated with it. */
    FeatureGate gate();

    /** Number of changes applied since start (0 = the startup configuration). */
    long generation();

    /**
     * Makes {@code next} the running state, or changes nothing and says why.
     *
     * @param next   the whole new configuration
     * @param caller who asked (for logs; the audit log is written by the control service)
     * @return applied, refused or failed-and-rolled-back, with the diff
     */
    ApplyResult apply(FulcrumConfig next, Caller caller);

    /** A snapshot of listeners, groups and backends with health, weights and traffic. */
    StatusView status();
}
