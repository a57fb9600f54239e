package io.fulcrum.tls.ssl;

import io.fulcrum.tls.metrics.TlsCounters;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import java.util.Locale;

/**
 * Counts the outcome of a connection's TLS handshake by reason, then leaves the pipeline. A failed handshake closes the
 * connection (the SslHandler has already sent its alert).
 */
public final class TlsHandshakeObserver extends ChannelInboundHandlerAdapter {
    private final TlsCounters counters;
    private boolean done;

    /** An observer counting into {@code counters}. */
    public TlsHandshakeObserver(TlsCounters counters) {
        this.counters = counters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        // accepted connections do not read on their own (AUTO_READ off): start the handshake's reads
        ctx.read();
        super.channelActive(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (!done && !ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
        super.channelReadComplete(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e && !done) {
            done = true;
            if (e.isSuccess()) {
                counters.increment(TlsCounters.Counter.HANDSHAKES);
                ctx.pipeline().remove(this);
            } else {
                counters.increment(reason(e.cause()));
                ctx.close();
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!done) {
            // not TLS at all, or the SNI could not be read: nothing can follow on this connection
            done = true;
            counters.increment(reason(cause));
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /** Classifies a handshake failure by the TLS library's reason. */
    static TlsCounters.Counter reason(Throwable cause) {
        if (cause instanceof SslHandshakeTimeoutException) {
            return TlsCounters.Counter.FAILED_TIMEOUT;
        }
        final StringBuilder text = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            text.append(' ').append(t.getMessage());
        }
        final String s = text.toString().toUpperCase(Locale.ROOT);
        if (s.contains("NO_SHARED_CIPHER") || s.contains("NO CIPHER SUITES IN COMMON")
                || s.contains("NO_CIPHERS_AVAILABLE")) {
            return TlsCounters.Counter.FAILED_NO_SHARED_CIPHER;
        }
        if (s.contains("UNSUPPORTED_PROTOCOL") || s.contains("WRONG_VERSION") || s.contains("PROTOCOL_VERSION")
                || s.contains("NOT ENABLED OR NOT SUPPORTED")) {
            return TlsCounters.Counter.FAILED_PROTOCOL_VERSION;
        }
        if (s.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || s.contains("CERTIFICATE_REQUIRED")
                || s.contains("EMPTY CLIENT CERTIFICATE")) {
            return TlsCounters.Counter.FAILED_CLIENT_CERTIFICATE_MISSING;
        }
        if (s.contains("CERTIFICATE_VERIFY_FAILED") || s.contains("UNKNOWN_CA") || s.contains("PKIX")
                || s.contains("CERTIFICATE")) {
            return TlsCounters.Counter.FAILED_CLIENT_CERTIFICATE_INVALID;
        }
        return TlsCounters.Counter.FAILED_OTHER;
    }
}
