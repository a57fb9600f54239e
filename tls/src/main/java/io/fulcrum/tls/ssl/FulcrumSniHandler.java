package io.fulcrum.tls.ssl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;

/**
 * Reads the SNI of a new connection, picks the listener's certificate through {@link ServerTlsContext#map} and
 * replaces itself with the {@link SslHandler} of that context, stapling the OCSP response when there is one. The
 * requested name is kept on the channel for the access log ({@link #SNI}).
 */
public final class FulcrumSniHandler extends SniHandler {
    /** The server name the client asked for, or absent. */
    public static final AttributeKey<String> SNI = AttributeKey.valueOf("fulcrum.sni");
    /** Handshakes (SNI read and TLS handshake) must finish within this time. */
    public static final long HANDSHAKE_TIMEOUT_MS = 10_000;

    private final ServerTlsContext tls;
    private boolean clientTakesEcdsa = true;

    FulcrumSniHandler(ServerTlsContext tls) {
        super(tls, HANDSHAKE_TIMEOUT_MS);
        this.tls = tls;
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) throws Exception {
        clientTakesEcdsa = clientHello == null || ClientHellos.takesEcdsa(clientHello, tls.ecdsaSuites());
        return super.lookup(ctx, clientHello);
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) {
        return ctx.executor().newSucceededFuture(tls.map(hostname, clientTakesEcdsa));
    }

    /** The TLS context of the listener. */
    public ServerTlsContext tls() {
        return tls;
    }

    @Override
    protected void replaceHandler(ChannelHandlerContext ctx, String hostname, SslContext sslContext) throws Exception {
        if (hostname != null) {
            ctx.channel().attr(SNI).set(hostname);
        }
        super.replaceHandler(ctx, hostname, sslContext);
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        final SslHandler handler = super.newSslHandler(context, allocator);
        handler.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MS);
        final byte[] staple = tls.ocspResponse(context);
        if (staple != null && handler.engine() instanceof ReferenceCountedOpenSslEngine engine) {
            engine.setOcspResponse(staple);
        }
        return handler;
    }

    /** The SslHandler of a connection (or of the parent connection of an HTTP/2 stream), or null. */
    public static SslHandler sslHandler(Channel channel) {
        for (Channel c = channel; c != null; c = c.parent()) {
            final SslHandler h = c.pipeline().get(SslHandler.class);
            if (h != null) {
                return h;
            }
        }
        return null;
    }

    /** The SNI of a connection (or of the parent connection of an HTTP/2 stream), or null. */
    public static String sni(Channel channel) {
        for (Channel c = channel; c != null; c = c.parent()) {
            final String name = c.attr(SNI).get();
            if (name != null) {
                return name;
            }
        }
        return null;
    }
}
