package io.fulcrum.tls.proxy;

import io.fulcrum.tls.CidrSet;
import io.fulcrum.tls.metrics.ListenerCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * First handler of an HTTP or HTTPS listener that sits behind another proxy: reads an optional PROXY v1/v2 header
 * before anything else (before TLS on an HTTPS listener), accepts it only from the listener's trusted sources and
 * then removes itself, passing on the bytes that followed. The client address the header carries is stored in
 * {@link #SOURCE} on the channel and announced with a {@link ProxiedSource} event. A header from an untrusted source,
 * or a malformed one, closes the connection and counts {@link ListenerCounters.Counter#PROXY_REFUSED}; a connection
 * that sends no header at all is passed on unchanged.
 */
public final class InboundProxyHandler extends ByteToMessageDecoder {
    /** The client address carried by an accepted PROXY header. */
    public static final AttributeKey<InetSocketAddress> SOURCE = AttributeKey.valueOf("fulcrum.proxied-source");

    /** User event fired when a PROXY header with an address was accepted. */
    public record ProxiedSource(InetSocketAddress source) {
    }

    private final CidrSet trusted;
    private final ListenerCounters counters;
    private final ProxyHeaderDecoder decoder = new ProxyHeaderDecoder();
    private final long timeoutMs;
    private ScheduledFuture<?> deadline;

    /**
     * A handler accepting headers from {@code trusted} and counting refusals into {@code counters}.
     *
     * @param timeoutMs the header (or the first bytes, which show there is none) must arrive within this time; 0 when
     *                  a later handler's own timer already bounds the wait (HTTP: the client idle timeout)
     */
    public InboundProxyHandler(CidrSet trusted, ListenerCounters counters, long timeoutMs) {
        this.trusted = trusted;
        this.counters = counters;
        this.timeoutMs = timeoutMs;
        setSingleDecode(true);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        if (timeoutMs > 0) {
            deadline = ctx.executor().schedule(() -> {
                ctx.close();
            }, timeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        final int r = decoder.decode(in);
        if (r == ProxyHeaderDecoder.NEED_MORE) {
            return;
        }
        if (r == ProxyHeaderDecoder.ERROR || r == ProxyHeaderDecoder.DONE && !trustedPeer(ctx)) {
            counters.increment(ListenerCounters.Counter.PROXY_REFUSED);
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        if (r == ProxyHeaderDecoder.DONE && decoder.source != null) {
            ctx.channel().attr(SOURCE).set(decoder.source);
            ctx.fireUserEventTriggered(new ProxiedSource(decoder.source));
        }
        // the rest of the stream (if any) goes on to the next handler as it is
        ctx.pipeline().remove(this);
    }

    private boolean trustedPeer(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress peer && peer.getAddress() != null
                && trusted.contains(peer.getAddress());
    }
}
