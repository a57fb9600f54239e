package io.fulcrum.control;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.BackendGroupConfig;
import io.fulcrum.common.config.HealthCheckConfig;
import io.fulcrum.common.config.OutlierDetectionConfig;
import io.fulcrum.common.config.PersistenceConfig;
import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.BackendGroupConfiguration;
import io.fulcrum.scheduler.BackendRole;
import io.fulcrum.scheduler.BackendSpec;
import io.fulcrum.scheduler.GroupSnapshot;
import io.fulcrum.scheduler.Layer;
import io.fulcrum.scheduler.NoBackendAction;
import io.fulcrum.scheduler.SchedulerAlgorithm;
import io.fulcrum.scheduler.health.HealthCheckConfiguration;
import io.fulcrum.scheduler.health.HealthCheckProtocol;
import io.fulcrum.scheduler.health.HealthChecker;
import io.fulcrum.scheduler.health.HealthState;
import io.fulcrum.control.runtime.BackendHealth;
import io.fulcrum.scheduler.health.HealthStatus;
import io.fulcrum.scheduler.outlier.OutlierConfiguration;
import io.fulcrum.scheduler.outlier.OutlierDetector;
import io.fulcrum.scheduler.persistence.AppCookiePersistence;
import io.fulcrum.scheduler.persistence.InsertCookieCodec;
import io.fulcrum.scheduler.persistence.InsertCookieIndex;
import io.fulcrum.scheduler.persistence.NodeSecret;
import io.fulcrum.scheduler.persistence.PersistenceTable;
import io.fulcrum.scheduler.persistence.SourcePersistence;
import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendSelector;

/**
 * The scheduler side of the L7/proxy stage: one {@link BackendGroup} per configured backend group that a stage
 * listener uses, the health checker wired to the groups, outlier detection, persistence tables, and a control
 * thread that ticks the groups (drain and slow-start steps), evaluates outliers and sweeps persistence entries.
 * Selectors for the stage come from {@link #selector(String)}; every listener that names a group shares it.
 */
final class L7Groups implements AutoCloseable {
    /** Entries of the node's L7/proxy persistence table (app cookies and source IPs of all groups). */
    static final int PERSISTENCE_ENTRIES = 1 << 16;
    private static final long TICK_MS = 200;

    /** One lane per event loop: the first pick on a thread gives it the next lane. */
    static final class Lanes {
        private final int count;
        private final AtomicInteger next = new AtomicInteger();
        private final ThreadLocal<int[]> lane = ThreadLocal.withInitial(() -> new int[] {-1});

        Lanes(final int count) {
            this.count = count;
        }

        int count() {
            return count;
        }

        int lane() {
            final int[] l = lane.get();
            if (l[0] < 0) {
                // only the stage's event loops pick, and there are exactly count of them
                l[0] = Math.floorMod(next.getAndIncrement(), count);
            }
            return l[0];
        }
    }

    /** What a selector of one group reads. */
    static final class GroupRuntime {
        final String name;
        final int groupId;
        final BackendGroup group;
        final Backend[] bySlot;
        final int[] refBySlot;
        final OutlierDetector outliers;
        final long outlierIntervalMs;
        final SchedulerBackendSelector.Persistence persistence;
        final String cookieName;
        final int persistenceTimeoutS;
        volatile InsertCookieIndex insertIndex;
        AppCookiePersistence appCookie;
        SourcePersistence sourcePersistence;
        long nextOutlierMs;

        GroupRuntime(final String name, final int groupId, final BackendGroup group, final int capacity,
                     final OutlierDetector outliers, final long outlierIntervalMs,
                     final SchedulerBackendSelector.Persistence persistence, final String cookieName,
                     final int persistenceTimeoutS) {
            this.name = name;
            this.groupId = groupId;
            this.group = group;
            this.bySlot = new Backend[capacity];
            this.refBySlot = new int[capacity];
            this.outliers = outliers;
            this.outlierIntervalMs = outlierIntervalMs;
            this.persistence = persistence;
            this.cookieName = cookieName;
            this.persistenceTimeoutS = persistenceTimeoutS;
        }
    }

    private final Map<String, GroupRuntime> groups = new LinkedHashMap<>();
    private final Map<String, SchedulerBackendSelector> selectors = new LinkedHashMap<>();
    private final Lanes lanes;
    private final PrintStream log;
    private HealthChecker healthChecker;
    private PersistenceTable persistenceTable;
    private ScheduledExecutorService control;

    /**
     * Builds the groups.
     *
     * @param groupConfigs the groups the stage's listeners use
     * @param lanes        number of event loops
     * @param runDir       where the node secret for cookies is kept
     * @param log          where health changes are reported
     */
    L7Groups(final List<BackendGroupConfig> groupConfigs, final int lanes, final Path runDir, final PrintStream log) {
        this.lanes = new Lanes(lanes);
        this.log = log;
        try {
            final long now = System.currentTimeMillis();
            NodeSecret secret = null;
            int groupId = 0;
            for (final BackendGroupConfig config : groupConfigs) {
                final GroupRuntime runtime = build(config, ++groupId, now);
                if (runtime.persistence == SchedulerBackendSelector.Persistence.INSERT) {
                    if (secret == null) {
                        secret = nodeSecret(runDir);
                    }
                    final InsertCookieCodec codec = new InsertCookieCodec(secret, runtime.cookieName,
                        runtime.persistenceTimeoutS);
                    runtime.insertIndex = codec.index(runtime.group.snapshot());
                    runtime.group.addListener(s -> runtime.insertIndex = codec.index(s));
                } else if (runtime.persistence == SchedulerBackendSelector.Persistence.APP_COOKIE) {
                    if (secret == null) {
                        secret = nodeSecret(runDir);
                    }
                    runtime.appCookie = new AppCookiePersistence(table(), secret);
                } else if (runtime.persistence == SchedulerBackendSelector.Persistence.SOURCE_IP) {
                    runtime.sourcePersistence = new SourcePersistence(table());
                }
                groups.put(config.name(), runtime);
                selectors.put(config.name(), new SchedulerBackendSelector(runtime, this.lanes));
            }
            control = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("fulcrum-l7-groups").daemon()
                .factory());
            control.scheduleAtFixedRate(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        } catch (final RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private PersistenceTable table() {
        if (persistenceTable == null) {
            persistenceTable = new PersistenceTable(PERSISTENCE_ENTRIES, lanes.count(), true);
        }
        return persistenceTable;
    }

    private GroupRuntime build(final BackendGroupConfig config, final int groupId, final long now) {
        final boolean checked = config.healthCheck().map(HealthCheckConfig::enabled).orElse(false);
        final int capacity = Math.max(1, config.backends().size());
        final SchedulerAlgorithm algorithm = SchedulerAlgorithm.parse(config.scheduler().toString());
        BackendGroupConfiguration configuration = BackendGroupConfiguration.defaults(config.name(),
                config.isPrimaryBackup() ? Layer.L4 : Layer.L7, algorithm, lanes.count())
            .withCapacity(capacity).withSlowStartS(config.slowStartSeconds()).withDrainTimeoutS(config.drainTimeoutSeconds())
            .withHealthChecked(checked).withNoBackendAction(NoBackendAction.RESET);
        if (algorithm.hashKind() != SchedulerAlgorithm.HashKind.NONE) {
            configuration = configuration.withMaglevTableSize(config.maglevTableSize());
        }
        final BackendGroup group = new BackendGroup(configuration, now);
        OutlierDetector outliers = null;
        long outlierIntervalMs = 0;
        if (config.outlierDetection().isPresent()) {
            final OutlierDetectionConfig o = config.outlierDetection().get();
            outliers = new OutlierDetector(new OutlierConfiguration(o.consecutiveFailures(), o.ejectionSeconds(),
                Math.max(o.ejectionSeconds(), 300), o.maxEjectionPercent()), lanes.count(), capacity);
            outlierIntervalMs = o.intervalSeconds() * 1000L;
        }
        final PersistenceConfig p = config.persistence().orElse(null);
        final SchedulerBackendSelector.Persistence persistence = p == null ? SchedulerBackendSelector.Persistence.NONE
            : switch (p.type()) {
                case INSERT -> SchedulerBackendSelector.Persistence.INSERT;
                case APP_COOKIE -> SchedulerBackendSelector.Persistence.APP_COOKIE;
                case SOURCE_IP -> SchedulerBackendSelector.Persistence.SOURCE_IP;
            };
        final GroupRuntime runtime = new GroupRuntime(config.name(), groupId, group, capacity, outliers, outlierIntervalMs,
            persistence, p == null ? InsertCookieCodec.DEFAULT_NAME : p.cookieName().orElse(InsertCookieCodec.DEFAULT_NAME),
            p == null ? InsertCookieCodec.DEFAULT_TIMEOUT_S : p.timeoutSeconds());
        final HealthCheckConfiguration check = checked ? healthCheck(config.healthCheck().get()) : null;
        for (final BackendConfig b : config.backends()) {
            final InetAddress address = L7Binding.inetAddress(b.address());
            final int checkPort = check == null ? 0 : config.healthCheck().get().port();
            final BackendSpec spec = new BackendSpec(address, b.port(), b.weight(),
                b.backup() ? BackendRole.BACKUP : BackendRole.PRIMARY, checkPort);
            final int ref = group.add(spec, now);
            final int slot = GroupSnapshot.slotOf(ref);
            runtime.refBySlot[slot] = ref;
            runtime.bySlot[slot] = L7Binding.backend(b);
            if (check != null) {
                if (healthChecker == null) {
                    healthChecker = new HealthChecker("fulcrum-health", 2, System.nanoTime());
                }
                final String label = "group " + config.name() + " backend " + runtime.bySlot[slot].id();
                // target ids are unique across groups: refs are only unique within one group
                healthChecker.addTarget(targetId(groupId, ref), address, spec.healthCheckPort(), check,
                    (id, up, status) -> healthChanged(group, ref, up, status, label));
            }
        }
        return runtime;
    }

    private static long targetId(final int groupId, final int ref) {
        return ((long) groupId << 32) | (ref & 0xffff_ffffL);
    }

    /** The health of a backend of a checked group this stage schedules; null when the group is not one of ours. */
    synchronized BackendHealth health(final String groupName, final BackendConfig backend) {
        final HealthStatus status = status(groupName, backend);
        if (!groups.containsKey(groupName)) {
            return null;
        }
        if (status == null || status.state() == HealthState.UNKNOWN) {
            return BackendHealth.PENDING;
        }
        return status.up() ? BackendHealth.HEALTHY : BackendHealth.UNHEALTHY;
    }

    /** The last health-check result and failure reason of a backend, "" when unknown. */
    synchronized String healthDetail(final String groupName, final BackendConfig backend) {
        return HealthDetails.describe(status(groupName, backend));
    }

    private HealthStatus status(final String groupName, final BackendConfig backend) {
        final GroupRuntime runtime = groups.get(groupName);
        if (runtime == null || healthChecker == null) {
            return null;
        }
        final Backend wanted = L7Binding.backend(backend);
        for (int slot = 0; slot < runtime.bySlot.length; slot++) {
            if (runtime.bySlot[slot] != null && runtime.bySlot[slot].id().equals(wanted.id())) {
                return healthChecker.status(targetId(runtime.groupId, runtime.refBySlot[slot]));
            }
        }
        return null;
    }

    private void healthChanged(final BackendGroup group, final int ref, final boolean up, final HealthStatus status,
                               final String label) {
        group.setHealthy(ref, up, System.currentTimeMillis());
        log.println("fulcrum: health: " + label + (up ? " is up" : " is down (" + status.lastFailureReason() + ")"));
    }

    static HealthCheckConfiguration healthCheck(final HealthCheckConfig c) {
        final HealthCheckProtocol protocol = switch (c.type()) {
            case TCP -> HealthCheckProtocol.TCP;
            case HTTP -> HealthCheckProtocol.HTTP;
            case HTTPS -> HealthCheckProtocol.HTTPS;
            case UDP -> HealthCheckProtocol.UDP;
        };
        int classes = 0;
        for (final int statusClass : c.expectedStatusClasses()) {
            classes |= 1 << statusClass;
        }
        return new HealthCheckConfiguration(protocol, c.intervalSeconds(), c.timeoutSeconds(), c.healthyThreshold(),
            c.unhealthyThreshold(), c.method().token(), c.path(), c.host().orElse(null), classes,
            c.udpRequest().map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(null),
            c.udpExpect().map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(null), true, null);
    }

    /**
     * The secret that keys insert cookies, kept in the run directory so cookies stay valid across restarts of the
     * node (until the run directory is cleared).
     */
    private static NodeSecret nodeSecret(final Path runDir) {
        final Path file = runDir.resolve("cookie.secret");
        try {
            if (Files.isRegularFile(file)) {
                final byte[] bytes = Files.readAllBytes(file);
                if (bytes.length >= NodeSecret.MIN_LENGTH) {
                    return new NodeSecret(bytes);
                }
            }
            final byte[] bytes = new byte[32];
            new java.security.SecureRandom().nextBytes(bytes);
            Files.createDirectories(runDir);
            Files.write(file, bytes);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return new NodeSecret(bytes);
        } catch (final IOException e) {
            throw new IllegalStateException("cannot keep the cookie secret in " + file + ": " + e.getMessage(), e);
        }
    }

    /** The selector of a group (shared by every listener that names it). */
    BackendSelector selector(final String groupName) {
        final SchedulerBackendSelector selector = selectors.get(groupName);
        if (selector == null) {
            throw new IllegalArgumentException("no backend group '" + groupName + "' in the L7 stage");
        }
        return selector;
    }

    /** The scheduler-side group, for status output and tests. */
    BackendGroup group(final String groupName) {
        final GroupRuntime runtime = groups.get(groupName);
        return runtime == null ? null : runtime.group;
    }

    /** The backends of a group in slot order (their stage identities). */
    List<InetSocketAddress> backends(final String groupName) {
        final List<InetSocketAddress> out = new ArrayList<>();
        for (final Backend b : groups.get(groupName).bySlot) {
            if (b != null) {
                out.add(b.address());
            }
        }
        return out;
    }

    private void tick() {
        try {
            final long now = System.currentTimeMillis();
            for (final GroupRuntime runtime : groups.values()) {
                runtime.group.tick(now);
                if (runtime.outliers != null && now >= runtime.nextOutlierMs) {
                    runtime.nextOutlierMs = now + runtime.outlierIntervalMs;
                    runtime.outliers.evaluate(runtime.group, now);
                }
            }
            if (persistenceTable != null) {
                persistenceTable.sweep(now, 1024);
            }
        } catch (final RuntimeException e) {
            // a failed tick must not stop the next ones; it is a bug, so say so
            log.println("fulcrum: error: L7 group tick failed: " + e);
        }
    }

    @Override
    public void close() {
        if (control != null) {
            control.shutdownNow();
            try {
                control.awaitTermination(5, TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (healthChecker != null) {
            healthChecker.close();
        }
        if (persistenceTable != null) {
            persistenceTable.close();
        }
    }
}
