package io.fulcrum.tls.http;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendTlsSettings;
import io.fulcrum.tls.metrics.BackendCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Handler of one backend connection. It lives on the event loop of the client connection that opened it; while
 * attached to a {@link ClientConnection} it hands every event to it, while parked in the {@link BackendPool} any
 * byte or close from the backend evicts it.
 */
final class BackendConnection extends ChannelInboundHandlerAdapter {
    final Backend backend;
    /** TLS settings the connection was made with (null: cleartext); pooled connections are reused only alike. */
    final BackendTlsSettings tls;
    final BackendCounters counters;
    final BackendPool pool;
    Channel channel;
    ClientConnection owner;
    long idleSinceNs;

    BackendConnection(Backend backend, BackendTlsSettings tls, BackendCounters counters, BackendPool pool) {
        this.backend = backend;
        this.tls = tls;
        this.counters = counters;
        this.pool = pool;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        counters.increment(BackendCounters.Counter.CONNECTIONS_ACTIVE);
        counters.increment(BackendCounters.Counter.CONNECTIONS_OPENED);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        final ClientConnection o = owner;
        if (o == null || !(msg instanceof ByteBuf buf)) {
            // unsolicited bytes on an idle pooled connection: the backend is out of sync, drop it
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        counters.add(BackendCounters.Counter.BYTES_IN, buf.readableBytes());
        o.backendRead(this, buf);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        final ClientConnection o = owner;
        if (o != null) {
            o.backendReadComplete(this);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        counters.add(BackendCounters.Counter.CONNECTIONS_ACTIVE, -1);
        final ClientConnection o = owner;
        owner = null;
        if (o != null) {
            o.backendClosed(this);
        } else {
            pool.remove(this);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        final ClientConnection o = owner;
        if (o != null && ctx.channel().isWritable()) {
            o.backendWritable(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // I/O errors (reset by peer): closing reports the failure through channelInactive
        ctx.close();
    }
}
