package io.fulcrum.tls;

import io.fulcrum.tls.accesslog.AccessLogWriter;
import io.fulcrum.tls.http.HttpChannelInitializer;
import io.fulcrum.tls.http.ListenerRuntime;
import io.fulcrum.tls.http.StageContext;
import io.fulcrum.tls.l4.TcpRelayListener;
import io.fulcrum.tls.l4.UdpRelayListener;
import io.fulcrum.tls.metrics.BackendCounters;
import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.ssl.ServerTlsContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of Fulcrum's HTTP/L4-proxy stage. {@link #start} binds every listener and returns the running stage;
 * {@link #close()} unbinds, closes connections and flushes access logs.
 *
 * <pre>{@code
 * try (HttpStage stage = HttpStage.start(httpListeners, l4Listeners, HttpStageOptions.defaults())) {
 *     ListenerCounters c = stage.listenerCounters().get("web");
 * }
 * }</pre>
 */
public final class HttpStage implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpStage.class);
    private final Transport transport;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final List<Channel> serverChannels = new ArrayList<>();
    private final Map<String, InetSocketAddress> bound = new LinkedHashMap<>();
    private final Map<String, ListenerCounters> listenerCounters = new LinkedHashMap<>();
    private final Map<String, Map<String, Map<String, BackendCounters>>> backendCounters = new LinkedHashMap<>();
    private final Map<Path, AccessLogWriter> accessLogs = new HashMap<>();
    private final List<AutoCloseable> l4 = new ArrayList<>();
    private final Map<String, ServerTlsContext> tls = new LinkedHashMap<>();
    private java.util.concurrent.ScheduledExecutorService tlsMaintenance;
    private long lastTicketRotationMs = System.currentTimeMillis();

    private HttpStage(Transport transport, int threads) {
        this.transport = transport;
        this.boss = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        this.workers = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlerFactory());
    }

    /**
     * Starts the stage. On a bind failure everything already started is closed and the exception is rethrown.
     *
     * @param http    HTTP listeners
     * @param l4      proxy-mode L4 listeners (TCP relay / UDP sessions)
     * @param options stage options
     * @return the running stage
     * @throws InterruptedException when interrupted while binding
     */
    public static HttpStage start(List<HttpListenerSettings> http, List<L4ListenerSettings> l4, HttpStageOptions options)
            throws InterruptedException {
        final Transport t = options.transport() != null ? options.transport() : Transport.best();
        final int threads = options.eventLoopThreads() > 0 ? options.eventLoopThreads()
                : Runtime.getRuntime().availableProcessors();
        final HttpStage stage = new HttpStage(t, threads);
        try {
            final StageContext ctx = new StageContext(t);
            for (HttpListenerSettings s : http) {
                stage.startHttp(s, ctx, options);
            }
            for (L4ListenerSettings s : l4) {
                stage.startL4(s, options);
            }
            if (!stage.tls.isEmpty()) {
                stage.tlsMaintenance = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().name("fulcrum-tls-maintenance").daemon().factory());
                stage.tlsMaintenance.scheduleWithFixedDelay(stage::maintainTls, 1, 1, TimeUnit.SECONDS);
            }
            return stage;
        } catch (RuntimeException | InterruptedException e) {
            stage.close();
            throw e;
        }
    }

    private void startHttp(HttpListenerSettings s, StageContext ctx, HttpStageOptions options)
            throws InterruptedException {
        if (listenerCounters.containsKey(s.id())) {
            throw new IllegalArgumentException("duplicate listener id " + s.id());
        }
        AccessLogWriter writer = null;
        if (s.accessLog() != null) {
            final AccessLogSettings a = s.accessLog();
            writer = accessLogs.computeIfAbsent(a.file().toAbsolutePath(),
                    p -> new AccessLogWriter(p, a.maxFileBytes(), a.daily(), a.queueCapacity(), a.maxFiles()));
        }
        final ListenerRuntime lr = new ListenerRuntime(s, options.selectorFactory(), writer,
                options.accessLogStatics(), options.counters());
        final Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new HttpChannelInitializer(lr, ctx))
                .bind(s.address()).sync().channel();
        serverChannels.add(server);
        bound.put(s.id(), (InetSocketAddress) server.localAddress());
        listenerCounters.put(s.id(), lr.counters());
        backendCounters.put(s.id(), lr.backendCounters());
        if (lr.tls() != null) {
            tls.put(s.id(), lr.tls());
        }
    }

    private void startL4(L4ListenerSettings s, HttpStageOptions options) throws InterruptedException {
        if (listenerCounters.containsKey(s.id())) {
            throw new IllegalArgumentException("duplicate listener id " + s.id());
        }
        final ListenerCounters counters = new ListenerCounters(s.id(), options.counters());
        final BackendSelector selector = options.selectorFactory().apply(s.group());
        final InetSocketAddress addr;
        if (s.protocol() == L4ListenerSettings.Protocol.TCP) {
            final ServerTlsContext context = s.tls() == null ? null
                    : new ServerTlsContext(s.id(), s.tls(), false, options.counters());
            if (context != null) {
                tls.put(s.id(), context);
            }
            final TcpRelayListener l = TcpRelayListener.start(s, selector, counters, transport, boss, workers, context);
            l4.add(l);
            addr = l.localAddress();
        } else {
            final UdpRelayListener l = UdpRelayListener.start(s, selector, counters, transport, workers);
            l4.add(l);
            addr = l.localAddress();
        }
        bound.put(s.id(), addr);
        listenerCounters.put(s.id(), counters);
    }

    /** The transport in use. */
    public Transport transport() {
        return transport;
    }

    /** Bound address of a listener (useful with port 0). */
    public InetSocketAddress boundAddress(String listenerId) {
        return bound.get(listenerId);
    }

    /** Counters per listener id. */
    public Map<String, ListenerCounters> listenerCounters() {
        return Map.copyOf(listenerCounters);
    }

    /** Backend counters: listener id → group id → backend id → counters (HTTP listeners). */
    public Map<String, Map<String, Map<String, BackendCounters>>> backendCounters() {
        return Map.copyOf(backendCounters);
    }

    /** TLS of the HTTPS and TLS listeners, by listener id. */
    public Map<String, ServerTlsContext> tls() {
        return Map.copyOf(tls);
    }

    /**
     * Reads every listener's certificate files again and uses them for new handshakes (the control command hook;
     * file changes are picked up by themselves within a second). Established connections continue.
     *
     * @return one message per listener whose files were refused (they keep their previous certificates)
     */
    public synchronized List<String> reloadCertificates() {
        final List<String> refused = new ArrayList<>();
        for (ServerTlsContext c : tls.values()) {
            try {
                c.reload();
            } catch (RuntimeException e) {
                refused.add(e.getMessage());
            }
        }
        return refused;
    }

    private synchronized void maintainTls() {
        final long now = System.currentTimeMillis();
        final boolean rotate = now - lastTicketRotationMs >= ServerTlsContext.SESSION_TIMEOUT_S * 1000L;
        if (rotate) {
            lastTicketRotationMs = now;
        }
        for (ServerTlsContext c : tls.values()) {
            try {
                if (c.filesChanged()) {
                    c.reload();
                    LOG.info("listener {}: certificates reloaded", c.listenerId());
                }
            } catch (RuntimeException e) {
                LOG.warn("listener {}: certificate change refused, the previous certificates stay: {}", c.listenerId(),
                        e.getMessage());
            }
            if (rotate) {
                c.rotateTicketKeys();
            }
            // the TLS library counts resumptions itself: publish its count with the other TLS counters
            c.counters().set(io.fulcrum.tls.metrics.TlsCounters.Counter.RESUMPTIONS, c.resumptions());
        }
    }

    /** Access-log entries dropped (queue full), summed over all files. */
    public long accessLogDropped() {
        return accessLogs.values().stream().mapToLong(AccessLogWriter::dropped).sum();
    }

    /** Unbinds listeners, closes connections, flushes and closes access logs. */
    @Override
    public void close() {
        if (tlsMaintenance != null) {
            tlsMaintenance.shutdownNow();
        }
        for (Channel c : serverChannels) {
            c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : l4) {
            try {
                c.close();
            } catch (Exception e) {
                // closing is best effort; the event loops are shut down below anyway
            }
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        accessLogs.values().forEach(AccessLogWriter::close);
    }
}
