package io.fulcrum.control.protocol;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.Endpoint;
import io.fulcrum.common.config.FeatureGate;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.control.cli.FulcrumCtl;
import io.fulcrum.control.plane.ControlPlane;
import io.fulcrum.control.runtime.BackendHealth;
import io.fulcrum.control.runtime.ConductorRuntime;
import io.fulcrum.control.runtime.ConfigDiff;
import io.fulcrum.control.runtime.DataplaneState;
import io.fulcrum.control.runtime.ObjectStats;
import io.fulcrum.control.runtime.RuntimeStep;

/**
 * An in-process node for tests: a {@link ConductorRuntime} with every feature enabled, an in-memory data plane
 * state (health and traffic set by the test), a recording step that can be told to fail, and the real control
 * plane (embedded media driver in a unique /dev/shm directory, HTTP on a free loopback port).
 */
public final class TestNode implements AutoCloseable {
    public final Path runDir;
    public final int httpPort;
    public final ConductorRuntime runtime;
    public final ControlPlane plane;
    public final MemoryState state = new MemoryState();
    public final RecordingStep step = new RecordingStep();
    public final RecordingStep step2 = new RecordingStep();
    public final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();

    public TestNode(final String yamlBody) throws Exception {
        this(yamlBody, null);
    }

    /** A node whose metrics also read these counters (e.g. a forwarder agent's). */
    public TestNode(final String yamlBody, final org.agrona.concurrent.status.CountersReader counters) throws Exception {
        runDir = Path.of("/dev/shm/fulcrum-ctltest-" + UUID.randomUUID().toString().substring(0, 8));
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            httpPort = s.getLocalPort();
        }
        final String yaml = "node:\n  name: t1\n  run-dir: " + runDir + "\n" + yamlBody + "control:\n  metrics:\n    address: "
            + "127.0.0.1:" + httpPort + "\n  audit-log: " + runDir.resolve("audit.log") + "\n";
        final FulcrumConfig config = ConfigLoader.parse(yaml, "test.yaml", Path.of("/"), FeatureGate.ALL);
        final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        runtime = new ConductorRuntime(config, FeatureGate.ALL, state, log).register(step).register(step2);
        plane = ControlPlane.builder().config(config).runtime(runtime).state(state).counters(counters).log(log).start();
    }

    /** The usual two-listener node: tcp 'web' (fullnat) and udp 'dns', groups 'web' and 'dns'. */
    public static String standardBody() {
        return """
            dataplane:
              interfaces:
                - name: cli0
                  addresses: [198.18.0.100/24]
                - name: srv0
                  addresses: [198.18.1.100/24]
              local-addresses:
                - address: 198.18.1.100
            listeners:
              - name: web
                protocol: tcp
                vip: 198.18.0.100
                port: 80
                group: web
              - name: dns
                protocol: udp
                vip: 198.18.0.100
                port: 53
                mode: dnat
                group: dns
            backend-groups:
              - name: web
                scheduler: wrr
                backends:
                  - {address: 198.18.1.2, port: 80}
                  - {address: 198.18.1.3, port: 8080, weight: 50}
                health-check: {type: tcp, interval: 2}
              - name: dns
                scheduler: rr
                backends:
                  - {address: 198.18.1.10, port: 53, weight: 1}
            """;
    }

    /** Result of one fulcrumctl run. */
    public record Run(int code, String out, String err) {
    }

    /** Runs fulcrumctl against this node. */
    public Run ctl(final String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final List<String> all = new ArrayList<>(List.of("--aeron-dir", plane.aeronDir().toString(), "--timeout", "15000"));
        all.addAll(List.of(args));
        final int code = FulcrumCtl.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), all.toArray(String[]::new));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The audit log's lines. */
    public List<String> audit() throws Exception {
        final Path file = runDir.resolve("audit.log");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Override
    public void close() throws Exception {
        plane.close();
        if (Files.exists(runDir)) {
            try (Stream<Path> walk = Files.walk(runDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Health and traffic set by the test. */
    public static final class MemoryState implements DataplaneState {
        public final Map<String, BackendHealth> health = new ConcurrentHashMap<>();
        public final Map<String, ObjectStats> stats = new ConcurrentHashMap<>();
        public volatile List<FlowEntry> flows;

        @Override
        public BackendHealth health(final String group, final BackendConfig backend) {
            return health.getOrDefault(group + "/" + new Endpoint(backend.address(), backend.port()), BackendHealth.PENDING);
        }

        @Override
        public ObjectStats listenerStats(final String listener) {
            return stats.getOrDefault("listener " + listener, ObjectStats.ZERO);
        }

        @Override
        public ObjectStats backendStats(final String group, final BackendConfig backend) {
            return stats.getOrDefault("backend " + group + "/" + new Endpoint(backend.address(), backend.port()),
                ObjectStats.ZERO);
        }

        @Override
        public Optional<List<FlowEntry>> flows(final FlowFilter filter, final int limit) {
            return Optional.ofNullable(flows);
        }
    }

    /** Records applies and rollbacks; fails its next apply when told to. */
    public static final class RecordingStep implements RuntimeStep {
        public final List<String> events = new ArrayList<>();
        public volatile String failNext;
        public volatile String refuse;

        @Override
        public String name() {
            return "test-step";
        }

        @Override
        public Optional<String> check(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
            return Optional.ofNullable(refuse);
        }

        @Override
        public synchronized void apply(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
            final String failure = failNext;
            failNext = null;
            if (failure != null) {
                events.add("apply-failed");
                throw new IllegalStateException(failure);
            }
            events.add("apply " + diff.changes().size());
        }

        @Override
        public synchronized void rollback(final FulcrumConfig current, final FulcrumConfig next, final ConfigDiff diff) {
            events.add("rollback");
        }
    }
}
