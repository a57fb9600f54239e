/** Schedulers, health checks, persistence and draining, shared by the L4 and L7 stages. */
module io.fulcrum.scheduler {
    requires transitive io.fulcrum.common;
}
