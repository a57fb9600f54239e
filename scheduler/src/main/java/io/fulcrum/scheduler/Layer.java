package io.fulcrum.scheduler;

/** Which stage a backend group serves: the L4 packet forwarder (or L4 proxy) or the L7 HTTP stage. */
public enum Layer {
    L4,
    L7
}
