/** The launcher, the CLI and the control plane. */
module io.fulcrum.control {
    requires io.fulcrum.common;
    requires io.fulcrum.forwarder;
    requires io.fulcrum.tls;
    requires io.fulcrum.scheduler;
    requires info.picocli;
    requires org.agrona;
    requires io.aeron.client;
    requires io.aeron.driver;
    requires HdrHistogram;
    requires jdk.httpserver;
    requires jdk.unsupported;

    exports io.fulcrum.control.runtime;
    exports io.fulcrum.control.config;
    exports io.fulcrum.control.protocol;
    exports io.fulcrum.control.plane;
    exports io.fulcrum.control.metrics;

    opens io.fulcrum.control to info.picocli;
    opens io.fulcrum.control.cli to info.picocli;
}
