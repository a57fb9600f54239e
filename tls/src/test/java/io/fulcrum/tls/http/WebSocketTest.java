package io.fulcrum.tls.http;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.TimeoutSettings;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** WebSocket upgrade tunnelled both ways after the 101, with its own idle timeout. */
class WebSocketTest {
    static EventLoopGroup group;
    static Channel echoServer;

    @BeforeAll
    static void startEcho() throws Exception {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        echoServer = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/ws"),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                        ctx.writeAndFlush(new TextWebSocketFrame("echo:" + f.text()));
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    @AfterAll
    static void stop() {
        echoServer.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static Channel connect(InetSocketAddress proxy, BlockingQueue<String> received) throws Exception {
        return connect(proxy, received, null);
    }

    private static Channel connect(InetSocketAddress proxy, BlockingQueue<String> received,
                                   io.netty.handler.ssl.SslContext tls) throws Exception {
        final URI uri = URI.create((tls == null ? "ws" : "wss") + "://127.0.0.1:" + proxy.getPort() + "/ws");
        final Channel c = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), "127.0.0.1", proxy.getPort()));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(uri,
                                        WebSocketVersion.V13, null, false, new DefaultHttpHeaders())),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                        received.add(f.text());
                                    }

                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent
                                                .HANDSHAKE_COMPLETE) {
                                            received.add("<open>");
                                        }
                                        ctx.fireUserEventTriggered(evt);
                                    }
                                });
                    }
                }).connect(proxy).sync().channel();
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("<open>");
        return c;
    }

    @Test
    void echoThroughTheProxyAndIdleTimeoutClosesTheTunnel() throws Exception {
        final BackendGroupSettings g = new BackendGroupSettings("ws", List.of(
                Backend.of((InetSocketAddress) echoServer.localAddress())));
        final TimeoutSettings t = new TimeoutSettings(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofMillis(800));
        try (ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(g).withTimeouts(t))) {
            final BlockingQueue<String> received = new LinkedBlockingQueue<>();
            final Channel c = connect(p.address, received);
            for (int i = 0; i < 20; i++) {
                c.writeAndFlush(new TextWebSocketFrame("m" + i));
                assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:m" + i);
            }
            final String big = "x".repeat(60_000);
            c.writeAndFlush(new TextWebSocketFrame(big));
            final String echoed = received.poll(5, TimeUnit.SECONDS);
            assertThat(echoed != null && echoed.equals("echo:" + big)).as("60 kB frame echoed").isTrue();
            // idle: the proxy closes the tunnel after ~0.8 s without traffic
            final long t0 = System.nanoTime();
            assertThat(c.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(500L, 3000L);
        }
    }

    @Test
    void wssThroughAnHttpsListener() throws Exception {
        final io.fulcrum.tls.testing.TestPki pki = io.fulcrum.tls.testing.TestPki.create();
        pki.server("ws", true, "ws.test", "ws.test");
        final BackendGroupSettings g = new BackendGroupSettings("ws", List.of(
                Backend.of((InetSocketAddress) echoServer.localAddress())));
        final io.fulcrum.tls.TlsSettings tls = io.fulcrum.tls.TlsSettings.of(pki.file("ws.pem"), pki.file("ws.key"));
        try (ProxyFixture p = ProxyFixture.start(ProxyFixture.listener(g).withTls(tls))) {
            final io.netty.handler.ssl.SslContext client = io.netty.handler.ssl.SslContextBuilder.forClient()
                    .trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE).build();
            final BlockingQueue<String> received = new LinkedBlockingQueue<>();
            final Channel c = connect(p.address, received, client);
            for (int i = 0; i < 10; i++) {
                c.writeAndFlush(new TextWebSocketFrame("s" + i));
                assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:s" + i);
            }
            c.close().sync();
        }
    }
}
