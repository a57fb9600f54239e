/** The TLS/HTTP stage on Netty: HTTP/1.1 reverse proxy, proxy-mode L4 relays, access log and counters. */
module io.fulcrum.tls {
    requires transitive io.fulcrum.common;
    requires io.fulcrum.scheduler;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.transport.unix.common;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.classes.io_uring;
    requires io.netty.handler;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.codec.http2;
    requires HdrHistogram;
    requires org.jctools.core;
    requires org.slf4j;

    exports io.fulcrum.tls;
    exports io.fulcrum.tls.metrics;
    exports io.fulcrum.tls.accesslog;
    exports io.fulcrum.tls.ssl;
}
