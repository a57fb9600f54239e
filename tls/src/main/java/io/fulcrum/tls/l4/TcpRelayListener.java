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
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Proxy-mode TCP listener: each accepted connection gets a backend connection on the same event loop (next backend on
 * connect failure), an optional PROXY v1/v2 header first, then bytes are relayed both ways with AUTO_READ off (a side
 * is read only while the other is writable). The client channel's all-idle timer closes both after the idle timeout.
 */
public final class TcpRelayListener implements AutoCloseable {
    private final Channel server;

    private TcpRelayListener(Channel server) {
        this.server = server;
    }

    /** Binds the listener. */
    public static TcpRelayListener start(L4ListenerSettings s, BackendSelector selector, ListenerCounters counters,
                                         Transport transport, EventLoopGroup boss, EventLoopGroup workers)
            throws InterruptedException {
        return start(s, selector, counters, transport, boss, workers, null);
    }

    /** Binds the listener; with {@code tls} the client side is TLS (a TLS listener). */
    public static TcpRelayListener start(L4ListenerSettings s, BackendSelector selector, ListenerCounters counters,
                                         Transport transport, EventLoopGroup boss, EventLoopGroup workers,
                                         io.fulcrum.tls.ssl.ServerTlsContext tls) throws InterruptedException {
        final AclSettings.Check acl = s.acl().check();
        final Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (!acl.isOff() && !(ch.remoteAddress() instanceof InetSocketAddress peer
                                && acl.admits(peer.getAddress()))) {
                            counters.increment(ListenerCounters.Counter.ACL_DENIED);
                            ch.close();
                            return;
                        }
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler());
                            ch.pipeline().addLast(new io.fulcrum.tls.ssl.TlsHandshakeObserver(tls.counters()));
                        }
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, s.idleTimeout().toMillis(),
                                TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast(new Frontend(s, selector, counters, transport));
                    }
                })
                .bind(s.address()).sync().channel();
        return new TcpRelayListener(server);
    }

    /** Bound address. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Client side of one relayed connection. */
    private static final class Frontend extends ChannelInboundHandlerAdapter {
        private final L4ListenerSettings s;
        private final BackendSelector selector;
        private final ListenerCounters counters;
        private final Transport transport;
        private Channel client;
        private Channel backend;
        private L4RequestContext ctx;
        private boolean clientInputDone;
        private ByteBuf pending;
        private boolean backendInputDone;
        private Backend picked;

        Frontend(L4ListenerSettings s, BackendSelector selector, ListenerCounters counters, Transport transport) {
            this.s = s;
            this.selector = selector;
            this.counters = counters;
            this.transport = transport;
        }

        @Override
        public void channelActive(ChannelHandlerContext c) {
            client = c.channel();
            counters.increment(ListenerCounters.Counter.CONNECTIONS_ACCEPTED);
            counters.increment(ListenerCounters.Counter.CONNECTIONS_ACTIVE);
            ctx = new L4RequestContext((InetSocketAddress) client.remoteAddress());
            connectNext();
        }

        private void connectNext() {
            final Backend b = ctx.tries() < L4RequestContext.maxTries() ? selector.pick(ctx) : null;
            if (b == null) {
                // no backend: reset the client rather than accept and hang
                client.config().setOption(ChannelOption.SO_LINGER, 0);
                client.close();
                return;
            }
            ctx.tried(b);
            final ChannelFuture f = new Bootstrap()
                    .group(client.eventLoop())
                    .channel(transport.socketChannel())
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) s.connectTimeout().toMillis())
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                    .handler(new Backside(this))
                    .connect(b.address());
            f.addListener((ChannelFutureListener) future -> {
                if (!client.isActive()) {
                    future.channel().close();
                    selector.released(b);
                    return;
                }
                if (!future.isSuccess()) {
                    selector.failed(b);
                    selector.released(b);
                    connectNext();
                    return;
                }
                backend = future.channel();
                picked = b;
                final InetSocketAddress src = (InetSocketAddress) client.remoteAddress();
                final InetSocketAddress dst = (InetSocketAddress) client.localAddress();
                if (s.proxyProtocol() == ProxyProtocolVersion.V1) {
                    backend.writeAndFlush(ProxyHeaderEncoder.v1(backend.alloc(), src, dst), backend.voidPromise());
                } else if (s.proxyProtocol() == ProxyProtocolVersion.V2) {
                    backend.writeAndFlush(ProxyHeaderEncoder.v2(backend.alloc(), src, dst, false),
                            backend.voidPromise());
                }
                if (pending != null) {
                    backend.write(pending, backend.voidPromise());
                    pending = null;
                }
                if (clientInputDone) {
                    backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(x -> ((DuplexChannel) backend).shutdownOutput());
                } else {
                    backend.flush();
                    client.read();
                }
                backend.read();
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            if (backend == null) {
                // epoll may deliver data together with a FIN before the backend is connected: keep it
                final ByteBuf b = (ByteBuf) msg;
                counters.add(ListenerCounters.Counter.BYTES_IN, b.readableBytes());
                pending = pending == null ? b : Unpooled.wrappedBuffer(pending, b);
                return;
            }
            if (!backend.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            counters.add(ListenerCounters.Counter.BYTES_IN, ((ByteBuf) msg).readableBytes());
            backend.write(msg, backend.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext c) {
            if (backend != null) {
                backend.flush();
                if (backend.isWritable()) {
                    client.read();
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext c) {
            if (client.isWritable() && backend != null) {
                backend.read();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext c, Object evt) {
            if (evt instanceof IdleStateEvent) {
                if (s.resetOnExpiry()) {
                    // an expired flow is reset on both sides (SO_LINGER 0 sends RST on close)
                    client.config().setOption(ChannelOption.SO_LINGER, 0);
                    if (backend != null) {
                        backend.config().setOption(ChannelOption.SO_LINGER, 0);
                    }
                }
                client.close();
                if (backend != null) {
                    backend.close();
                }
            } else if (evt instanceof ChannelInputShutdownEvent) {
                // client half-closed: pass the FIN on once pending data is flushed; close when both sides are done
                clientInputDone = true;
                if (backend != null && backend.isActive()) {
                    backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ((DuplexChannel) backend).shutdownOutput());
                }
                closeIfBothDone();
            }
        }

        private void closeIfBothDone() {
            if (clientInputDone && backendInputDone) {
                client.close();
                if (backend != null) {
                    backend.close();
                }
            }
        }

        void backendInputShutdown() {
            backendInputDone = true;
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ((DuplexChannel) client).shutdownOutput());
            closeIfBothDone();
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) {
            counters.add(ListenerCounters.Counter.CONNECTIONS_ACTIVE, -1);
            if (picked != null) {
                selector.released(picked);
                picked = null;
            }
            if (pending != null) {
                pending.release();
                pending = null;
            }
            if (backend != null) {
                backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            c.close();
        }

        void fromBackend(Object msg) {
            counters.add(ListenerCounters.Counter.BYTES_OUT, ((ByteBuf) msg).readableBytes());
            client.write(msg, client.voidPromise());
        }

        void backendReadComplete() {
            client.flush();
            if (client.isWritable() && backend != null) {
                backend.read();
            }
        }

        void backendWritable() {
            client.read();
        }

        void backendClosed() {
            if (client.isActive()) {
                client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /** Backend side of one relayed connection. */
    private static final class Backside extends ChannelInboundHandlerAdapter {
        private final Frontend front;

        Backside(Frontend front) {
            this.front = front;
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            front.fromBackend(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext c) {
            front.backendReadComplete();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext c) {
            if (c.channel().isWritable()) {
                front.backendWritable();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) {
            front.backendClosed();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext c, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                front.backendInputShutdown();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            c.close();
        }
    }
}
