package io.fulcrum.scheduler.health;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Active health checks for any number of targets on one NIO selector thread of its own (never a forwarder agent
 * or event loop): TCP, HTTP and HTTPS probes are non-blocking channels on the selector, UDP probes a connected
 * non-blocking {@link java.nio.channels.DatagramChannel}. The ICMP echo that precedes a UDP probe is the one
 * blocking call ({@link InetAddress#isReachable}: raw ICMP as root, else a TCP echo-port connect); it runs on a
 * small pool of its own threads and reports back to the selector thread.
 *
 * <p>HTTP is a small HTTP/1.1 client written over NIO rather than {@code java.net.http.HttpClient}: it sets any
 * Host header (HttpClient restricts it unless a JVM-wide flag is set), binds the configured source address,
 * opens one connection per probe and closes it with RST, and needs no extra threads; HTTPS uses an
 * {@link javax.net.ssl.SSLEngine} on the same selector.
 *
 * <p>Per target: the first probe runs at a random point within the first interval, then one every interval; a
 * probe that has not finished within the timeout (capped at the interval) fails. A new target goes UP after
 * its first success; afterwards it goes DOWN after {@code unhealthy-threshold} failures in a row and UP again
 * after {@code healthy-threshold} successes. A target that dies is therefore reported DOWN within
 * {@code interval × unhealthy-threshold + timeout}. Listeners are called on the checker thread.
 */
public final class HealthChecker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HealthChecker.class.getName());

    private final Selector selector;
    private final Thread thread;
    private final ExecutorService icmpPool;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Map<Long, Target> byId = new ConcurrentHashMap<>();
    private final List<Target> targets = new ArrayList<>();
    private final SplittableRandom random;
    private volatile boolean running = true;
    private long listenerFailures;

    /**
     * Starts the checker thread.
     *
     * @param name       thread name
     * @param icmpThreads threads for ICMP echoes before UDP probes, 1–16
     * @param seed       seed of the first-probe jitter
     */
    public HealthChecker(final String name, final int icmpThreads, final long seed) {
        if (icmpThreads < 1 || icmpThreads > 16) {
            throw new IllegalArgumentException("health-check ICMP threads must be 1-16, got " + icmpThreads);
        }
        try {
            this.selector = Selector.open();
        } catch (final IOException e) {
            throw new IllegalStateException("cannot open a selector for health checks", e);
        }
        this.random = new SplittableRandom(seed);
        this.icmpPool = Executors.newFixedThreadPool(icmpThreads, Thread.ofPlatform().name(name + "-icmp-", 0).daemon()
            .factory());
        this.thread = Thread.ofPlatform().name(name).daemon().start(this::run);
    }

    /**
     * Adds a target. Thread-safe; the target's status is UNKNOWN until its first probe completes.
     *
     * @param targetId      the caller's id (e.g. the backend ref); unique among this checker's targets
     * @param address       backend address
     * @param port          port to probe (the backend's health-check port)
     * @param configuration the group's health-check settings
     * @param listener      told about state changes
     */
    public void addTarget(final long targetId, final InetAddress address, final int port,
                          final HealthCheckConfiguration configuration, final HealthListener listener) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(configuration, "configuration");
        Objects.requireNonNull(listener, "listener");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("health-check port must be 1-65535, got " + port);
        }
        final Target target = new Target(this, targetId, new InetSocketAddress(address, port), configuration, listener,
            System.currentTimeMillis());
        if (byId.putIfAbsent(targetId, target) != null) {
            throw new IllegalArgumentException("health-check target " + targetId + " already exists");
        }
        command(() -> {
            final long intervalNs = configuration.intervalS() * 1_000_000_000L;
            target.nextProbeNs = System.nanoTime() + random.nextLong(intervalNs);
            targets.add(target);
        });
    }

    /** Removes a target (its probe in flight is abandoned). Unknown ids are ignored. */
    public void removeTarget(final long targetId) {
        final Target target = byId.remove(targetId);
        if (target != null) {
            command(() -> {
                target.removed = true;
                target.abort();
                targets.remove(target);
            });
        }
    }

    /** The target's current status, or null if there is no such target. */
    public HealthStatus status(final long targetId) {
        final Target target = byId.get(targetId);
        return target == null ? null : target.status;
    }

    /** Listener calls that threw (they are logged and otherwise ignored). */
    public long listenerFailures() {
        return listenerFailures;
    }

    /** Stops the thread and closes every probe. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        icmpPool.shutdownNow();
    }

    Selector selector() {
        return selector;
    }

    /** Runs {@code task} on the checker thread. */
    void command(final Runnable task) {
        commands.add(task);
        selector.wakeup();
    }

    /** Runs a blocking ICMP echo off the checker thread; the result comes back through {@link #command}. */
    void echo(final InetAddress address, final int timeoutMs, final java.util.function.BooleanSupplier stillWanted,
              final java.util.function.Consumer<Boolean> onResult) {
        try {
            icmpPool.execute(() -> {
                if (!stillWanted.getAsBoolean()) {
                    return;
                }
                boolean reachable;
                try {
                    reachable = address.isReachable(timeoutMs);
                } catch (final IOException e) {
                    reachable = false;
                }
                final boolean result = reachable;
                command(() -> onResult.accept(result));
            });
        } catch (final RejectedExecutionException e) {
            command(() -> onResult.accept(false));
        }
    }

    void notifyListener(final Target target, final boolean up, final HealthStatus status) {
        try {
            target.listener.onHealthChanged(target.id, up, status);
        } catch (final RuntimeException e) {
            listenerFailures++;
            LOG.log(System.Logger.Level.ERROR, "health listener failed for target " + target.id, e);
        }
    }

    static StandardProtocolFamily family(final InetAddress address) {
        return address instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    private void run() {
        try {
            while (running) {
                Runnable task;
                while ((task = commands.poll()) != null) {
                    task.run();
                }
                final long nowNs = System.nanoTime();
                long wakeNs = nowNs + 1_000_000_000L;
                for (int i = 0; i < targets.size(); i++) {
                    final Target target = targets.get(i);
                    if (target.probe != null && nowNs - target.probe.deadlineNs >= 0) {
                        target.probe.onDeadline();
                    }
                    if (target.probe == null && nowNs - target.nextProbeNs >= 0) {
                        final long intervalNs = target.configuration.intervalS() * 1_000_000_000L;
                        target.nextProbeNs += intervalNs;
                        if (nowNs - target.nextProbeNs >= 0) {
                            target.nextProbeNs = nowNs + intervalNs;
                        }
                        target.startProbe(nowNs);
                    }
                    if (target.probe != null) {
                        wakeNs = Math.min(wakeNs, target.probe.deadlineNs);
                    }
                    wakeNs = Math.min(wakeNs, target.nextProbeNs);
                }
                final long waitMs = Math.max(1, (wakeNs - System.nanoTime() + 999_999) / 1_000_000);
                selector.select(waitMs);
                for (final SelectionKey key : selector.selectedKeys()) {
                    final Probe probe = (Probe) key.attachment();
                    if (key.isValid() && !probe.finished) {
                        probe.onReady(key);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (final IOException | ClosedSelectorException e) {
            LOG.log(System.Logger.Level.ERROR, "health checker stopped", e);
        } finally {
            for (final Target target : targets) {
                target.abort();
            }
            try {
                selector.close();
            } catch (final IOException e) {
                LOG.log(System.Logger.Level.WARNING, "closing the health-check selector failed", e);
            }
        }
    }
}
