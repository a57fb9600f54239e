package io.fulcrum.tls.http;

import io.fulcrum.tls.HeaderSettings;
import io.fulcrum.tls.LimitSettings;
import io.netty.buffer.ByteBuf;

/**
 * The request-head path of the proxy as one reusable object: strict parse, then the rewrite sent to a backend. The
 * proxy itself drives the parser and rewriter separately; this facade exists for benchmarks and tools (not exported).
 */
public final class RequestHeadCodec {
    private final Http1HeadParser parser;
    private final HeadRewriter.RequestTemplate template;

    /** A codec with these limits and header switches. */
    public RequestHeadCodec(LimitSettings limits, HeaderSettings headers) {
        this.parser = new Http1HeadParser(true, limits.maxHeaderBytes(), limits.maxUriBytes());
        this.template = new HeadRewriter.RequestTemplate(headers, "http");
    }

    /**
     * Parses the head at {@code in}'s readerIndex and writes the backend head to {@code out}; consumes the head.
     *
     * @return the head length, 0 when incomplete, or minus the error status
     */
    public int rewrite(ByteBuf in, ByteBuf out, String clientIp, String localPort) {
        parser.reset();
        final int r = parser.parse(in);
        if (r == Http1HeadParser.NEED_MORE) {
            return 0;
        }
        if (r == Http1HeadParser.ERROR) {
            return -parser.errorStatus;
        }
        HeadRewriter.writeRequest(in, parser, out, template, 0, null, clientIp, localPort);
        final int n = parser.headLength();
        in.skipBytes(n);
        return n;
    }
}
