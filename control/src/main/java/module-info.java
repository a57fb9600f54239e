/** The launcher, the CLI and the control plane. */
module io.fulcrum.control {
    requires io.fulcrum.common;
    requires io.fulcrum.forwarder;
    requires io.fulcrum.tls;
    requires io.fulcrum.scheduler;
    requires info.picocli;
    requires org.agrona;
    requires jdk.unsupported;

    opens io.fulcrum.control to info.picocli;
}
