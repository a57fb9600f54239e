/** Schedulers, health checks, persistence and draining, shared by the L4 and L7 stages. */
module io.fulcrum.scheduler {
    requires transitive io.fulcrum.common;

    exports io.fulcrum.scheduler;
    exports io.fulcrum.scheduler.health;
    exports io.fulcrum.scheduler.outlier;
    exports io.fulcrum.scheduler.persistence;
}
