package io.fulcrum.tls.http;

import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.proxy.InboundProxyHandler;
import io.fulcrum.tls.ssl.FulcrumSniHandler;
import io.fulcrum.tls.ssl.TlsHandshakeObserver;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

import java.net.InetSocketAddress;

/**
 * Installs the handlers of an accepted connection of an HTTP listener after its ACL admitted the peer: an
 * {@link InboundProxyHandler} first when the listener trusts PROXY-protocol sources, then a {@link ClientConnection};
 * on an HTTPS listener
 * first the SNI/TLS handlers, then, by ALPN, either a {@link ClientConnection} (HTTP/1.1) or the HTTP/2 codec with one
 * {@link ClientConnection} per stream behind an {@link Http1Bridge} (backends stay HTTP/1.1).
 */
public final class HttpChannelInitializer extends ChannelInitializer<Channel> {
    /** Concurrent streams a client may open on one HTTP/2 connection. */
    static final int MAX_CONCURRENT_STREAMS = 128;

    private final ListenerRuntime lr;
    private final StageContext ctx;

    /** Initializer for one listener. */
    public HttpChannelInitializer(ListenerRuntime lr, StageContext ctx) {
        this.lr = lr;
        this.ctx = ctx;
    }

    @Override
    protected void initChannel(Channel ch) {
        // the ACL is decided on the peer address alone, before the first read (AUTO_READ is off)
        if (!lr.acl.isOff() && !(ch.remoteAddress() instanceof InetSocketAddress peer && lr.acl.admits(peer.getAddress()))) {
            lr.counters.increment(ListenerCounters.Counter.ACL_DENIED);
            ch.close();
            return;
        }
        if (!lr.trustedProxies.isEmpty()) {
            // HTTPS: nothing reads before the handshake, so the header gets the handshake's time; HTTP: the client
            // connection's idle timer runs from accept
            ch.pipeline().addLast(new InboundProxyHandler(lr.trustedProxies, lr.counters,
                    lr.tls == null ? 0 : FulcrumSniHandler.HANDSHAKE_TIMEOUT_MS));
        }
        if (lr.tls == null) {
            ch.pipeline().addLast(new ClientConnection(lr, ctx));
            return;
        }
        ch.pipeline().addLast(lr.tls.newHandler());
        ch.pipeline().addLast(new TlsHandshakeObserver(lr.tls.counters()));
        ch.pipeline().addLast(new Alpn());
    }

    /** Chooses HTTP/1.1 or HTTP/2 once the handshake is done. */
    private final class Alpn extends ApplicationProtocolNegotiationHandler {
        Alpn() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext c, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                // HTTP/2 flow control bounds what a client may send; the connection itself reads freely
                c.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                        .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                                .maxHeaderListSize(lr.settings.limits().maxHeaderBytes()))
                        .build());
                c.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.config().setAutoRead(false);
                        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                        stream.pipeline().addLast(new Http1Bridge());
                        stream.pipeline().addLast(new ClientConnection(lr, ctx));
                    }
                }));
                c.channel().config().setAutoRead(true);
                c.read();
                return;
            }
            c.pipeline().addLast(new ClientConnection(lr, ctx));
            c.fireChannelActive();
        }
    }
}
