package io.fulcrum.tls.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * Lets a {@link ClientConnection}, which speaks HTTP/1.1 bytes, serve one HTTP/2 stream: requests decoded from HTTP/2
 * frames ({@link io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec}) are encoded to HTTP/1.1 bytes on the
 * way in, and the connection's HTTP/1.1 response bytes are decoded to messages the codec turns into HTTP/2 frames on
 * the way out. Netty's {@code x-http2-*} extension headers are dropped; {@code :authority} arrives as Host.
 */
final class Http1Bridge extends ChannelDuplexHandler {
    private final EmbeddedChannel encoder = new EmbeddedChannel(new HttpRequestEncoder());
    private final EmbeddedChannel decoder = new EmbeddedChannel(new ResponseDecoder());
    private boolean head;

    /** A response decoder that knows when the request was HEAD (no body follows whatever the headers say). */
    private final class ResponseDecoder extends HttpResponseDecoder {
        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            return head || super.isContentAlwaysEmpty(msg);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req) {
            head = HttpMethod.HEAD.equals(req.method());
            req.setProtocolVersion(HttpVersion.HTTP_1_1);
            final List<String> drop = new ArrayList<>();
            for (var e : req.headers()) {
                if (e.getKey().regionMatches(true, 0, "x-http2-", 0, 8)) {
                    drop.add(e.getKey());
                }
            }
            drop.forEach(req.headers()::remove);
            req.headers().remove(HttpHeaderNames.CONNECTION);
        }
        encoder.writeOutbound(msg);
        ByteBuf out;
        while ((out = encoder.readOutbound()) != null) {
            ctx.fireChannelRead(out);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf)) {
            ctx.write(msg, promise);
            return;
        }
        decoder.writeInbound(msg);
        final List<Object> decoded = new ArrayList<>();
        Object o;
        while ((o = decoder.readInbound()) != null) {
            decoded.add(o);
        }
        if (decoded.isEmpty()) {
            if (!promise.isVoid()) {
                promise.setSuccess();
            }
            return;
        }
        for (int i = 0; i < decoded.size(); i++) {
            final boolean last = i == decoded.size() - 1;
            final Object part = decoded.get(i);
            if (part instanceof HttpContent c && !c.content().isReadable() && !(part instanceof io.netty.handler.codec.http
                    .LastHttpContent) && !last) {
                c.release();
                continue;
            }
            ctx.write(part, last ? promise : ctx.voidPromise());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        encoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
        super.channelInactive(ctx);
    }
}
