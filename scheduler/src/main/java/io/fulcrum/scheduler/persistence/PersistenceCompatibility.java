package io.fulcrum.scheduler.persistence;

import java.util.ArrayList;
import java.util.List;

import io.fulcrum.scheduler.Layer;
import io.fulcrum.scheduler.SchedulerAlgorithm;

/**
 * The algorithm/persistence/layer rules the configuration loader applies to each backend group. Errors refuse
 * the configuration; warnings are logged and the configuration is accepted.
 *
 * <p>Decisions (references: Huawei ELB guide §3.4 compatibility table, Huawei FAQ §3.1, Alibaba SLB §2.2, LVS):
 * <ul>
 *   <li>{@code source-ip} is L4 only; {@code insert} and {@code app-cookie} are L7 only (PRODUCT decisions).</li>
 *   <li>{@code sh} + {@code source-ip}: <b>error</b>, redundant — sh already keeps a client on its backend, on
 *       every core and every node (Huawei: "no persistence setting; already sticky by source IP").</li>
 *   <li>{@code mh} + {@code source-ip}: <b>error</b> — mh is chosen so that every node maps a flow alike; a
 *       node-local source table would override it. Use {@code sh} for per-client stickiness.</li>
 *   <li>{@code lc}/{@code wlc} + any persistence: <b>warning</b> — persistence pins clients, so connection
 *       counts stop steering and load drifts (Alibaba §2.2, Huawei refuses it); accepted because LVS users
 *       rely on {@code -s wlc -p}.</li>
 *   <li>{@code sh}/{@code mh} + a cookie mode (L7): <b>warning</b> — the cookie decides for returning clients,
 *       the hash only places new ones.</li>
 *   <li>Backup backends (primary/backup) on L7: <b>error</b> — an L4 feature.</li>
 *   <li>Timeouts: source-ip 1–3600 s, cookies 1–86400 s; {@code app-cookie} needs a cookie name.</li>
 * </ul>
 */
public final class PersistenceCompatibility {
    /** Errors (refuse) and warnings (log) for one group. */
    public record Verdict(List<String> errors, List<String> warnings) {
        /** True if the configuration can be applied. */
        public boolean accepted() {
            return errors.isEmpty();
        }
    }

    private PersistenceCompatibility() {
    }

    /**
     * Checks one group.
     *
     * @param cookieName the cookie name for insert/app-cookie (null: insert uses {@code FULCRUM_ID}; app-cookie errs)
     * @param timeoutS   the persistence timeout (ignored for {@code none})
     */
    public static Verdict check(final Layer layer, final SchedulerAlgorithm algorithm, final PersistenceMode mode,
                                final boolean hasBackups, final String cookieName, final int timeoutS) {
        final List<String> errors = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        if (hasBackups && layer == Layer.L7) {
            errors.add("backup backends (primary/backup) are an L4 feature; an L7 group cannot have them");
        }
        switch (mode) {
            case NONE -> {
            }
            case SOURCE_IP -> {
                if (layer != Layer.L4) {
                    errors.add("persistence source-ip is L4 only; on L7 use insert or app-cookie (or scheduler sh)");
                }
                if (algorithm == SchedulerAlgorithm.SH) {
                    errors.add("persistence source-ip is redundant with scheduler sh, which already keeps each client on its "
                        + "backend on every core and node; remove the persistence setting");
                } else if (algorithm == SchedulerAlgorithm.MH) {
                    errors.add("persistence source-ip conflicts with scheduler mh: a node-local source table would override "
                        + "the five-tuple hash every node shares; use scheduler sh for per-client stickiness");
                }
                if (timeoutS < 1 || timeoutS > SourcePersistence.MAX_TIMEOUT_S) {
                    errors.add("source-ip persistence timeout must be 1-3600 s, got " + timeoutS);
                }
            }
            case INSERT, APP_COOKIE -> {
                if (layer != Layer.L7) {
                    errors.add("persistence " + mode.word() + " is L7 only; on L4 use source-ip");
                }
                if (algorithm == SchedulerAlgorithm.SH || algorithm == SchedulerAlgorithm.MH) {
                    warnings.add("scheduler " + algorithm.word() + " with persistence " + mode.word()
                        + ": the cookie decides for returning clients, the hash only places new ones");
                }
                if (timeoutS < 1 || timeoutS > AppCookiePersistence.MAX_TIMEOUT_S) {
                    errors.add("cookie persistence timeout must be 1-86400 s, got " + timeoutS);
                }
                if (mode == PersistenceMode.APP_COOKIE && (cookieName == null || cookieName.isEmpty())) {
                    errors.add("persistence app-cookie needs the name of the backend's cookie");
                } else if (cookieName != null) {
                    try {
                        InsertCookieCodec.validateCookieName(cookieName);
                    } catch (final IllegalArgumentException e) {
                        errors.add(e.getMessage());
                    }
                }
            }
            default -> throw new IllegalStateException("unhandled persistence mode " + mode);
        }
        if (mode != PersistenceMode.NONE && (algorithm == SchedulerAlgorithm.LC || algorithm == SchedulerAlgorithm.WLC)) {
            warnings.add("scheduler " + algorithm.word() + " with persistence " + mode.word()
                + ": persistence pins clients, so connection counts stop steering and load can drift; wrr balances better");
        }
        return new Verdict(List.copyOf(errors), List.copyOf(warnings));
    }
}
