/** The TLS/HTTP stage on Netty. */
module io.fulcrum.tls {
    requires transitive io.fulcrum.common;
    requires io.fulcrum.scheduler;
}
