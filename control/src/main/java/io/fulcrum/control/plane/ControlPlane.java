package io.fulcrum.control.plane;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.control.audit.AuditLog;
import io.fulcrum.control.metrics.LatencyHistograms;
import io.fulcrum.control.metrics.MetricsExporter;
import io.fulcrum.control.metrics.RateSampler;
import io.fulcrum.control.metrics.StatusHttpServer;
import io.fulcrum.control.protocol.ControlRequest;
import io.fulcrum.control.protocol.ControlResponse;
import io.fulcrum.control.protocol.ControlServer;
import io.fulcrum.control.protocol.ControlService;
import io.fulcrum.control.runtime.Caller;
import io.fulcrum.control.runtime.DataplaneState;
import io.fulcrum.control.runtime.NodeRuntime;
import io.fulcrum.control.runtime.ObjectStats;
import org.HdrHistogram.Recorder;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.status.CountersReader;

/**
 * Everything a running node offers operators, started after the data plane and stopped before it: an embedded
 * Aeron media driver (invoker mode, small term buffers, a private directory deleted on shutdown), the control
 * channel served on one control thread ({@code fulcrum-control}), the audit log, the rate sampler, and the HTTP
 * server for metrics and the status page ({@code fulcrum-http}). SIGHUP reloads are queued here and run on the
 * control thread like any other change.
 */
public final class ControlPlane implements AutoCloseable {
    /** Term length of the control channel's logs: control messages are small, chunked above 8 KiB. */
    public static final int TERM_LENGTH = 64 * 1024;
    private static final long DRIVER_ACTIVE_TIMEOUT_MS = 2_000;

    private final MediaDriver driver;
    private final Aeron aeron;
    private final ControlServer server;
    private final AgentRunner runner;
    private final StatusHttpServer http;
    private final ControlService service;
    private final RateSampler rates;
    private final LatencyHistograms histograms;
    private final AtomicReference<Path> reload = new AtomicReference<>();
    private final PrintStream log;
    private final Path aeronDir;

    private ControlPlane(final Builder b) throws IOException {
        this.log = b.log;
        this.aeronDir = b.config.control().aeronDir();
        final FulcrumConfig config = b.config;
        this.histograms = new LatencyHistograms();
        this.rates = new RateSampler(b.runtime, b.counters);
        final AuditLog audit = new AuditLog(config.control().auditLog(), log);
        this.service = new ControlService(b.runtime, b.state, rates::rates, audit);
        final Recorder requestLatency = LatencyHistograms.newRecorder();
        histograms.register("fulcrum_control_request_duration_seconds", "Time to serve one control request.",
            Map.of("node", config.node().name()), requestLatency);

        if (CommonContext.isDriverActive(aeronDir.toFile(), DRIVER_ACTIVE_TIMEOUT_MS, s -> { })) {
            throw new IOException("another process runs a media driver in " + aeronDir + " (is this node running already? "
                + "each node needs its own node.name or control.aeron-dir)");
        }
        Files.createDirectories(aeronDir.getParent() == null ? aeronDir : aeronDir.getParent());
        MediaDriver startedDriver = null;
        Aeron connected = null;
        ControlServer startedServer = null;
        try {
            startedDriver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(aeronDir.toString())
                .threadingMode(ThreadingMode.INVOKER)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .ipcTermBufferLength(TERM_LENGTH)
                .publicationTermBufferLength(TERM_LENGTH)
                .termBufferSparseFile(true)
                .errorHandler(e -> log.println("fulcrum: control: media driver: " + e)));
            restrict(aeronDir, log);
            connected = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(aeronDir.toString())
                .useConductorAgentInvoker(true)
                .driverAgentInvoker(startedDriver.sharedAgentInvoker())
                .errorHandler(e -> log.println("fulcrum: control: aeron client: " + e)));
            final Agent reloadTask = new ReloadTask();
            startedServer = new ControlServer(startedDriver.sharedAgentInvoker(), connected, config.control().channel(),
                request -> timed(requestLatency, request), List.of(rates, reloadTask));
        } catch (final RuntimeException e) {
            CloseHelper.quietCloseAll(connected, startedDriver);
            throw new IOException("cannot start the control channel in " + aeronDir + ": " + e.getMessage(), e);
        }
        this.driver = startedDriver;
        this.aeron = connected;
        this.server = startedServer;
        this.runner = new AgentRunner(new BackoffIdleStrategy(10, 10, TimeUnit.MICROSECONDS.toNanos(1),
            TimeUnit.MILLISECONDS.toNanos(1)), e -> log.println("fulcrum: control: " + e), null, server);
        StatusHttpServer startedHttp = null;
        if (config.control().metrics().isPresent()) {
            try {
                startedHttp = StatusHttpServer.start(config.control().metrics().get().address(), b.runtime,
                    new MetricsExporter(b.runtime, b.counters, rates::rates, histograms), rates::rates);
            } catch (final IOException e) {
                CloseHelper.quietCloseAll(aeron, driver);
                throw new IOException("cannot serve metrics on " + config.control().metrics().get().address() + ": "
                    + e.getMessage(), e);
            }
        }
        this.http = startedHttp;
        AgentRunner.startOnThread(runner);
    }

    private ControlResponse timed(final Recorder latency, final ControlRequest request) {
        final long start = System.nanoTime();
        try {
            return service.handle(request);
        } finally {
            latency.recordValue(Math.min(System.nanoTime() - start, 3_600_000_000_000L));
        }
    }

    /** Only the node's user may open the driver's files (the control channel's access control). */
    private static void restrict(final Path dir, final PrintStream log) {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (final IOException | UnsupportedOperationException e) {
            // the node still runs, but other users may reach the control channel: say so
            log.println("fulcrum: warning: control: cannot restrict " + dir + " to its owner (" + e
                + "); the control channel is open to whoever may read that directory");
        }
    }

    /** Starts a node's control plane. */
    public static Builder builder() {
        return new Builder();
    }

    /** Queues a reload of the configuration file (SIGHUP); it runs on the control thread. */
    public void requestReload(final Path configFile) {
        reload.set(configFile);
    }

    /** The service that executes requests (SIGHUP and tests use it directly). */
    public ControlService service() {
        return service;
    }

    /** The latency histograms exported with the metrics; stages register theirs here. */
    public LatencyHistograms histograms() {
        return histograms;
    }

    /** The media driver's directory (clients connect there). */
    public Path aeronDir() {
        return aeronDir;
    }

    /** The HTTP port, or -1 without metrics. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** Requests served so far. */
    public long served() {
        return server.served();
    }

    @Override
    public void close() {
        CloseHelper.quietClose(http);
        CloseHelper.quietClose(runner);
        CloseHelper.quietClose(aeron);
        CloseHelper.quietClose(driver);
    }

    /** Runs a queued SIGHUP reload. */
    private final class ReloadTask implements Agent {
        @Override
        public int doWork() {
            final Path file = reload.getAndSet(null);
            if (file == null) {
                return 0;
            }
            final String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (final IOException e) {
                log.println("fulcrum: SIGHUP: cannot read " + file + ": " + e.getMessage() + "; nothing changed");
                return 1;
            }
            final Path parent = file.toAbsolutePath().getParent();
            final ControlResponse response = service.applyFile(0, Caller.self("sighup"), text, file.toString(),
                parent == null ? Path.of("/") : parent, false);
            log.println("fulcrum: SIGHUP: " + file + ": " + (response.ok() ? "" : response.status().name().toLowerCase()
                + ", nothing changed: ") + response.text().strip());
            return 1;
        }

        @Override
        public String roleName() {
            return "reload";
        }
    }

    /** Parameters of {@link #start}. */
    public static final class Builder {
        private FulcrumConfig config;
        private NodeRuntime runtime;
        private DataplaneState state;
        private CountersReader counters;
        private PrintStream log = System.out;

        /** The running configuration (for its control section). */
        public Builder config(final FulcrumConfig value) {
            this.config = value;
            return this;
        }

        /** The node's runtime. */
        public Builder runtime(final NodeRuntime value) {
            this.runtime = value;
            return this;
        }

        /** Health, traffic and flows. */
        public Builder state(final DataplaneState value) {
            this.state = value;
            return this;
        }

        /** The node's counters, or null. */
        public Builder counters(final CountersReader value) {
            this.counters = value;
            return this;
        }

        /** Where the control plane reports. */
        public Builder log(final PrintStream value) {
            this.log = value;
            return this;
        }

        /**
         * Starts the control plane.
         *
         * @throws IOException when the media driver or the HTTP server cannot start (nothing is left running)
         */
        public ControlPlane start() throws IOException {
            if (config == null || runtime == null || state == null) {
                throw new IllegalStateException("config, runtime and state are required");
            }
            return new ControlPlane(this);
        }
    }

    /** Rates used by the status views (for tests). */
    public Map<String, ObjectStats> rates() {
        return rates.rates();
    }
}
