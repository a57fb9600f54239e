package io.fulcrum.scheduler.health;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** One probed endpoint and its threshold state; fields other than {@link #status} belong to the checker thread. */
final class Target {
    final HealthChecker checker;
    final long id;
    final InetSocketAddress endpoint;
    final HealthCheckConfiguration configuration;
    final HealthListener listener;
    final byte[] httpRequest;
    long nextProbeNs;
    Probe probe;
    boolean removed;
    volatile HealthStatus status;
    private HealthState state = HealthState.UNKNOWN;
    private int successes;
    private int failures;
    private long probes;
    private String lastFailure;
    private long lastChangeMs;

    Target(final HealthChecker checker, final long id, final InetSocketAddress endpoint,
        final HealthCheckConfiguration configuration,
           final HealthListener listener, final long nowMs) {
        this.checker = checker;
        this.id = id;
        this.endpoint = endpoint;
        this.configuration = configuration;
        this.listener = listener;
        this.lastChangeMs = nowMs;
        this.httpRequest = buildRequest(endpoint, configuration);
        this.status = new HealthStatus(id, HealthState.UNKNOWN, false, null, nowMs, 0, 0, 0, 0);
    }

    private static byte[] buildRequest(final InetSocketAddress endpoint, final HealthCheckConfiguration c) {
        final String host;
        if (c.host() != null) {
            host = c.host();
        } else if (endpoint.getAddress() instanceof Inet6Address) {
            host = "[" + endpoint.getAddress().getHostAddress() + "]";
        } else {
            host = endpoint.getAddress().getHostAddress();
        }
        return (c.httpMethod() + " " + c.path() + " HTTP/1.1\r\nHost: " + host
            + "\r\nUser-Agent: fulcrum-health-check\r\nAccept: */*\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    void startProbe(final long nowNs) {
        probe = new Probe(this, nowNs + configuration.effectiveTimeoutMs() * 1_000_000L);
        probe.start();
    }

    void abort() {
        if (probe != null) {
            probe.abandon();
            probe = null;
        }
    }

    /** Called by the probe once, on the checker thread. */
    void complete(final Probe finished, final boolean ok, final String reason) {
        if (finished != probe || removed) {
            return;
        }
        probe = null;
        probes++;
        if (ok) {
            successes++;
            failures = 0;
        } else {
            failures++;
            successes = 0;
            lastFailure = reason;
        }
        final HealthState next = switch (state) {
            case UNKNOWN -> ok ? HealthState.UP : failures >= configuration.unhealthyThreshold() ? HealthState.DOWN : state;
            case UP -> !ok && failures >= configuration.unhealthyThreshold() ? HealthState.DOWN : state;
            case DOWN -> ok && successes >= configuration.healthyThreshold() ? HealthState.UP : state;
        };
        final long nowMs = System.currentTimeMillis();
        final boolean changed = next != state;
        if (changed) {
            state = next;
            lastChangeMs = nowMs;
        }
        final HealthStatus published = new HealthStatus(id, state, ok, lastFailure, lastChangeMs, nowMs, successes, failures,
            probes);
        status = published;
        if (changed) {
            checker.notifyListener(this, state == HealthState.UP, published);
        }
    }
}
