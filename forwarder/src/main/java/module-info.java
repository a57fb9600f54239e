/** The user-space L4 packet path: packet I/O (AF_XDP, AF_PACKET), protocol handling, forwarder agents. */
module io.fulcrum.forwarder {
    requires transitive io.fulcrum.common;
    requires transitive org.agrona;
    requires transitive io.fulcrum.conntrack;
    requires transitive io.fulcrum.scheduler;

    exports io.fulcrum.forwarder;
    exports io.fulcrum.forwarder.agent;
    exports io.fulcrum.forwarder.io;
    exports io.fulcrum.forwarder.io.mem;
    exports io.fulcrum.forwarder.io.sys;
    exports io.fulcrum.forwarder.io.afpacket;
    exports io.fulcrum.forwarder.neighbour;
    exports io.fulcrum.forwarder.proto;
    exports io.fulcrum.forwarder.stage;
    exports io.fulcrum.forwarder.io.xdp;
    exports io.fulcrum.forwarder.l4;
    exports io.fulcrum.forwarder.xmit;
}
