package io.fulcrum.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;

import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stage's listening sockets: with the native transports one socket per event loop on one port, each accepted
 * connection served by the loop whose socket accepted it; a port in use refused; NIO with one accepting loop.
 */
class ListenSocketsTest {
    private static final InetSocketAddress ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private EventLoopGroup workers;
    private EventLoopGroup acceptor;

    @BeforeEach
    void noGroups() {
        workers = null;
        acceptor = null;
    }

    @AfterEach
    void shutdown() {
        for (final EventLoopGroup g : new EventLoopGroup[] {workers, acceptor}) {
            if (g != null) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void everyLoopAcceptsOnTheSamePortAndServesWhatItAccepts(final Transport transport) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(transport.isAvailable(), transport + " not available");
        workers = new MultiThreadIoEventLoopGroup(2, transport.ioHandlerFactory());
        acceptor = ListenSockets.acceptorGroup(transport);
        final Set<Thread> servingThreads = ConcurrentHashMap.newKeySet();
        final AtomicInteger misplaced = new AtomicInteger();
        final AtomicInteger accepted = new AtomicInteger();
        try (ListenSockets sockets = ListenSockets.bind(transport, acceptor, workers, ANY_PORT, b -> b
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public boolean isSharable() {
                        return true;
                    }

                    @Override
                    public void channelActive(final ChannelHandlerContext ctx) {
                        final Channel child = ctx.channel();
                        servingThreads.add(Thread.currentThread());
                        // native transports: the accepting socket's loop serves the connection
                        if (acceptor == null && child.parent().eventLoop() != child.eventLoop()) {
                            misplaced.incrementAndGet();
                        }
                        accepted.incrementAndGet();
                        child.close();
                    }
                }))) {
            assertThat(sockets.channels()).hasSize(acceptor == null ? 2 : 1);
            final int port = sockets.localAddress().getPort();
            assertThat(port).isPositive();
            assertThat(sockets.channels()).allSatisfy(c -> assertThat(((InetSocketAddress) c.localAddress()).getPort())
                    .isEqualTo(port));
            // client ports differ, so the four-tuple hash spreads 64 connections over both sockets
            final int connections = 64;
            for (int i = 0; i < connections; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setSoTimeout(5_000);
                    assertThat(s.getInputStream().read()).isEqualTo(-1);
                }
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (accepted.get() < connections && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(accepted.get()).isEqualTo(connections);
            assertThat(misplaced.get()).isZero();
            assertThat(servingThreads).hasSize(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aPortInUseIsRefused(final Transport transport) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(transport.isAvailable(), transport + " not available");
        workers = new MultiThreadIoEventLoopGroup(2, transport.ioHandlerFactory());
        acceptor = ListenSockets.acceptorGroup(transport);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort());
            assertThatThrownBy(() -> ListenSockets.bind(transport, acceptor, workers, address,
                    b -> b.childHandler(new ChannelInboundHandlerAdapter())).close())
                    .satisfiesAnyOf(
                            e -> assertThat(e).isInstanceOf(UncheckedIOException.class)
                                    .hasCauseInstanceOf(BindException.class),
                            e -> assertThat(e).hasMessageContaining("Address already in use"));
        }
    }
}
