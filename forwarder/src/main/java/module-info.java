/** The user-space L4 packet path: packet I/O (AF_XDP, AF_PACKET), protocol handling, forwarder agents. */
module io.fulcrum.forwarder {
    requires transitive io.fulcrum.common;
    requires io.fulcrum.conntrack;
    requires io.fulcrum.scheduler;

    exports io.fulcrum.forwarder.io;
    exports io.fulcrum.forwarder.io.sys;
    exports io.fulcrum.forwarder.io.xdp;
}
