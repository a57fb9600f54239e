/** Off-heap, per-core connection tracking. */
module io.fulcrum.conntrack {
    requires transitive io.fulcrum.common;

    exports io.fulcrum.conntrack;
}
