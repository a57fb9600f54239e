package io.fulcrum.tls.l4;

import io.fulcrum.tls.AclSettings;
import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendSelector;
import io.fulcrum.tls.L4ListenerSettings;
import io.fulcrum.tls.ProxyProtocolVersion;
import io.fulcrum.tls.Transport;
import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.proxy.ProxyHeaderEncoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Proxy-mode UDP listener: a session per client address, each with its own connected socket to the chosen backend
 * on the listener's event loop; replies go back through the listener socket. Sessions expire after the idle timeout
 * (checked once per second). With PROXY v2, every datagram to the backend is prefixed with a v2 header carrying the
 * UDP4/UDP6 address block, since a datagram receiver cannot rely on having seen an earlier one.
 */
public final class UdpRelayListener implements AutoCloseable {
    private static final int MAX_SESSIONS = 65_536;

    private final Channel channel;
    private final Map<InetSocketAddress, Session> sessions = new HashMap<>();
    private final L4ListenerSettings settings;
    private final BackendSelector selector;
    private final ListenerCounters counters;
    private final Transport transport;
    private final long idleNs;
    private final AclSettings.Check acl;

    private UdpRelayListener(Channel channel, L4ListenerSettings settings, BackendSelector selector,
                             ListenerCounters counters, Transport transport) {
        this.channel = channel;
        this.settings = settings;
        this.selector = selector;
        this.counters = counters;
        this.transport = transport;
        this.idleNs = settings.idleTimeout().toNanos();
        this.acl = settings.acl().check();
    }

    /** Binds the listener. */
    public static UdpRelayListener start(L4ListenerSettings s, BackendSelector selector, ListenerCounters counters,
                                         Transport transport, EventLoopGroup workers) throws InterruptedException {
        final UdpRelayListener[] self = new UdpRelayListener[1];
        final Channel ch = new Bootstrap()
                .group(workers)
                .channel(transport.datagramChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        self[0].fromClient(p);
                    }
                })
                .bind(s.address()).sync().channel();
        self[0] = new UdpRelayListener(ch, s, selector, counters, transport);
        final UdpRelayListener l = self[0];
        ch.eventLoop().scheduleAtFixedRate(l::expire, 1, 1, TimeUnit.SECONDS);
        return l;
    }

    /** Bound address. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Live sessions (event-loop view; approximate from other threads). */
    public int sessionCount() {
        return sessions.size();
    }

    private void fromClient(DatagramPacket p) {
        final InetSocketAddress client = p.sender();
        final long now = System.nanoTime();
        counters.add(ListenerCounters.Counter.BYTES_IN, p.content().readableBytes());
        Session s = sessions.get(client);
        if (s == null) {
            if (sessions.size() >= MAX_SESSIONS) {
                return;
            }
            // the ACL is checked once per session: datagrams of an admitted session skip it
            if (!acl.admits(client.getAddress())) {
                counters.increment(ListenerCounters.Counter.ACL_DENIED);
                return;
            }
            final L4RequestContext ctx = new L4RequestContext(client);
            final Backend b = selector.pick(ctx);
            if (b == null) {
                return;
            }
            s = new Session(client, b, channel.eventLoop());
            sessions.put(client, s);
            counters.increment(ListenerCounters.Counter.UDP_SESSIONS);
            counters.increment(ListenerCounters.Counter.CONNECTIONS_ACTIVE);
        }
        s.lastNs = now;
        s.send(p.content().retain());
    }

    private void expire() {
        final long now = System.nanoTime();
        final Iterator<Session> it = sessions.values().iterator();
        while (it.hasNext()) {
            final Session s = it.next();
            if (now - s.lastNs >= idleNs) {
                it.remove();
                counters.add(ListenerCounters.Counter.CONNECTIONS_ACTIVE, -1);
                s.close();
                selector.released(s.backend);
            }
        }
    }

    @Override
    public void close() {
        channel.eventLoop().execute(() -> {
            for (Session s : sessions.values()) {
                s.close();
                selector.released(s.backend);
            }
            sessions.clear();
        });
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** One client's flow to its backend. */
    private final class Session {
        final InetSocketAddress client;
        final Backend backend;
        final Channel out;
        final io.netty.channel.ChannelFuture connected;
        long lastNs;

        Session(InetSocketAddress client, Backend backend, EventLoop loop) {
            this.client = client;
            this.backend = backend;
            this.connected = new Bootstrap()
                    .group(loop)
                    .channel(transport.datagramChannel())
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                            lastNs = System.nanoTime();
                            counters.add(ListenerCounters.Counter.BYTES_OUT, p.content().readableBytes());
                            channel.writeAndFlush(new DatagramPacket(p.content().retain(), Session.this.client),
                                    channel.voidPromise());
                        }
                    })
                    .connect(backend.address());
            this.out = connected.channel();
        }

        void send(ByteBuf payload) {
            ByteBuf msg = payload;
            if (settings.proxyProtocol() == ProxyProtocolVersion.V2) {
                final ByteBuf header = ProxyHeaderEncoder.v2(out.alloc(), client, settings.address(), true);
                msg = Unpooled.wrappedBuffer(header, payload);
            }
            final DatagramPacket packet = new DatagramPacket(msg, backend.address());
            if (connected.isDone()) {
                write(packet);
            } else {
                // the first datagrams of a session arrive before its socket is connected
                connected.addListener(f -> write(packet));
            }
        }

        private void write(DatagramPacket packet) {
            if (connected.isSuccess() && out.isActive()) {
                out.writeAndFlush(packet, out.voidPromise());
            } else {
                packet.release();
            }
        }

        void close() {
            out.close();
        }
    }
}
