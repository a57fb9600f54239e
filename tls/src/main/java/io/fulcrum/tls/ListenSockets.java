package io.fulcrum.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.concurrent.EventExecutor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The listening sockets of one TCP listener of the stage.
 *
 * <p>With the native transports (io_uring, epoll) every event loop gets its own socket on the listener's address,
 * joined in one {@code SO_REUSEPORT} group: the kernel spreads new connections over the sockets by their four-tuple,
 * and the loop that accepts a connection is the loop that serves it. There is no acceptor thread and no hand-over of
 * each accepted channel to another thread (a task queue and a wake-up per connection), which is what a
 * connection-per-request load pays for most after the socket calls themselves; it is also how nginx's
 * {@code reuseport} works. NIO, which has no {@code SO_REUSEPORT}, keeps one socket accepted by a dedicated loop.
 *
 * <p>{@code SO_REUSEPORT} would let a second process of the same user bind the same address silently and take part
 * of the connections; the address is therefore first bound once without it, so a port already in use is refused
 * with {@code Address already in use} as before.
 */
public final class ListenSockets implements AutoCloseable {
    private final List<Channel> channels;

    private ListenSockets(final List<Channel> channels) {
        this.channels = List.copyOf(channels);
    }

    /**
     * The loops that accept when the transport cannot give each loop its own socket; null when it can.
     *
     * @param transport the stage's transport
     * @return a one-thread group for NIO, else null
     */
    static EventLoopGroup acceptorGroup(final Transport transport) {
        return transport == Transport.NIO ? new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory()) : null;
    }

    /**
     * Binds the listener.
     *
     * @param transport the stage's transport
     * @param acceptor  the accepting group from {@link #acceptorGroup} (null for the native transports)
     * @param workers   the event loops that serve connections
     * @param address   the address; port 0 takes a free port, the same for every socket
     * @param configure sets the child options and handler (called once per socket)
     * @return the bound sockets
     * @throws InterruptedException when interrupted while binding
     */
    public static ListenSockets bind(final Transport transport, final EventLoopGroup acceptor, final EventLoopGroup workers,
                                     final InetSocketAddress address, final Consumer<ServerBootstrap> configure)
            throws InterruptedException {
        if (acceptor != null) {
            final ServerBootstrap b = base(transport).group(acceptor, workers);
            configure.accept(b);
            return new ListenSockets(List.of(b.bind(address).sync().channel()));
        }
        final InetSocketAddress target = address.getPort() == 0 ? address : refuseIfInUse(address);
        final List<Channel> bound = new ArrayList<>();
        try {
            InetSocketAddress at = target;
            for (final EventExecutor e : workers) {
                final EventLoop loop = (EventLoop) e;
                final ServerBootstrap b = base(transport).group(loop, loop).option(UnixChannelOption.SO_REUSEPORT, true);
                configure.accept(b);
                final Channel c = b.bind(at).sync().channel();
                bound.add(c);
                // port 0: the first socket's port for the others
                at = (InetSocketAddress) c.localAddress();
            }
        } catch (final InterruptedException | RuntimeException e) {
            bound.forEach(c -> c.close().awaitUninterruptibly(5, TimeUnit.SECONDS));
            throw e;
        }
        return new ListenSockets(bound);
    }

    private static ServerBootstrap base(final Transport transport) {
        return new ServerBootstrap().channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true);
    }

    private static InetSocketAddress refuseIfInUse(final InetSocketAddress address) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(address);
        } catch (final BindException e) {
            throw new UncheckedIOException(new BindException(address + ": " + e.getMessage()));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return address;
    }

    /** The bound address (the same for every socket). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channels.get(0).localAddress();
    }

    /** The sockets, one per event loop with the native transports. */
    public List<Channel> channels() {
        return channels;
    }

    /** Closes every socket; accepted connections stay open. */
    @Override
    public void close() {
        for (final Channel c : channels) {
            c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
