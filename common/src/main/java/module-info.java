/** Shared pieces of Fulcrum: the configuration model and loader, clocks, counters. */
module io.fulcrum.common {
    requires org.snakeyaml.engine;
    requires transitive org.agrona;
    exports io.fulcrum.common;
    exports io.fulcrum.common.counters;
    exports io.fulcrum.common.config;
}
