package io.fulcrum.tls.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/** Installs a {@link ClientConnection} on every accepted connection of an HTTP listener. */
public final class HttpChannelInitializer extends ChannelInitializer<Channel> {
    private final ListenerRuntime lr;
    private final StageContext ctx;

    /** Initializer for one listener. */
    public HttpChannelInitializer(ListenerRuntime lr, StageContext ctx) {
        this.lr = lr;
        this.ctx = ctx;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline().addLast(new ClientConnection(lr, ctx));
    }
}
