package io.fulcrum.tls;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

import java.util.Locale;

/**
 * The Netty transport of the stage: io_uring when the kernel allows it, epoll otherwise, NIO as the last resort. The
 * backend channel class always matches the client's so a backend connection can live on the client's event loop.
 */
public enum Transport {
    /** Netty 4.2 io_uring. */
    IO_URING(IoUringServerSocketChannel.class, IoUringSocketChannel.class, IoUringDatagramChannel.class),
    /** Linux epoll. */
    EPOLL(EpollServerSocketChannel.class, EpollSocketChannel.class, EpollDatagramChannel.class),
    /** Java NIO. */
    NIO(NioServerSocketChannel.class, NioSocketChannel.class, NioDatagramChannel.class);

    private final Class<? extends ServerSocketChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;
    private final Class<? extends DatagramChannel> datagramChannel;

    Transport(Class<? extends ServerSocketChannel> serverChannel, Class<? extends SocketChannel> socketChannel,
              Class<? extends DatagramChannel> datagramChannel) {
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
        this.datagramChannel = datagramChannel;
    }

    /** The best available transport, or the one named by {@code -Dfulcrum.transport=io_uring|epoll|nio}. */
    public static Transport best() {
        final String forced = System.getProperty("fulcrum.transport");
        if (forced != null) {
            final Transport t = valueOf(forced.toUpperCase(Locale.ROOT));
            if (!t.isAvailable()) {
                throw new IllegalStateException("transport " + forced + " is not available here");
            }
            return t;
        }
        if (IO_URING.isAvailable()) {
            return IO_URING;
        }
        return EPOLL.isAvailable() ? EPOLL : NIO;
    }

    /** Whether the native part loads on this machine. */
    public boolean isAvailable() {
        try {
            return switch (this) {
                case IO_URING -> IoUring.isAvailable();
                case EPOLL -> Epoll.isAvailable();
                case NIO -> true;
            };
        } catch (LinkageError e) {
            return false;
        }
    }

    /** Factory for the event loops. */
    public IoHandlerFactory ioHandlerFactory() {
        return switch (this) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    /** Server channel class. */
    public Class<? extends ServerSocketChannel> serverChannel() {
        return serverChannel;
    }

    /** Client/backend socket channel class. */
    public Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }

    /** Datagram channel class. */
    public Class<? extends DatagramChannel> datagramChannel() {
        return datagramChannel;
    }
}
