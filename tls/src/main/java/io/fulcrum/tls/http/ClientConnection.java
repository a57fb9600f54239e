package io.fulcrum.tls.http;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.ForwardingRule;
import io.fulcrum.tls.RequestContext;
import io.fulcrum.tls.accesslog.AccessLogEntry;
import io.fulcrum.tls.accesslog.AccessLogFormat;
import io.fulcrum.tls.metrics.BackendCounters;
import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.proxy.InboundProxyHandler;
import io.fulcrum.tls.ssl.BackendTlsContext;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of an HTTP listener: parses requests, routes them, streams them to a backend connection on
 * the same event loop, streams the response back, and enforces limits and timeouts.
 *
 * <p>Requests on a connection are handled one at a time: the next pipelined request is parsed only after the current
 * response is complete, so responses leave in request order. Both channels run with AUTO_READ off; a side is read
 * only while the other side is writable, which bounds the memory of a transfer of any size.
 *
 * <p>All methods run on the connection's event loop.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter implements RequestContext, Runnable {
    private static final int MAX_TRIES = 4;
    private static final InetSocketAddress UNKNOWN_ADDRESS = new InetSocketAddress("0.0.0.0", 0);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    // connection states
    private static final int S_HEAD = 1;
    private static final int S_CONNECTING = 2;
    private static final int S_EXCHANGE = 3;
    private static final int S_TUNNEL = 4;
    private static final int S_CLOSED = 5;

    // response body modes
    private static final int R_NONE = 0;
    private static final int R_LENGTH = 1;
    private static final int R_CHUNKED = 2;
    private static final int R_CLOSE = 3;

    // timers
    private static final int T_NONE = 0;
    private static final int T_IDLE = 1;
    private static final int T_REQUEST = 2;
    private static final int T_RESPONSE = 3;
    private static final int T_TUNNEL = 4;

    private final ListenerRuntime lr;
    private final StageContext stage;
    private final ListenerCounters counters;
    private final Http1HeadParser req;
    private final Http1HeadParser resp;
    private final ChunkedDecoder reqChunks = new ChunkedDecoder();
    private final ChunkedDecoder respChunks = new ChunkedDecoder();
    private final Runnable resumeTask = this::resumePipelined;

    private Channel ch;
    private boolean activeCounted;
    private boolean logged;
    private ByteBuf rewrittenHead;
    private boolean headConsumed;
    private ByteBufAllocator alloc;
    private ByteBuf in;
    private ByteBuf respIn;
    private int state;
    private InetSocketAddress clientAddress;
    private String clientIp;
    private InetSocketAddress localAddress;
    private String localPort;
    private long rttMicros = -1;
    // ---- TLS of the connection, read once after the handshake (HTTPS listeners)
    private boolean tlsRead;
    private String tlsProtocol;
    private String tlsCipher;
    private String sni;
    private String clientCertHeaders;

    // ---- exchange
    private int generation;
    private boolean requestActive;
    private long startNs;
    private long startEpochMs;
    private String method;
    private String host;
    private String hostHeader;
    private String target;
    private String path;
    private int originOffset;
    private String hostOverride;
    private GroupRuntime group;
    private boolean clientKeepAlive;
    private boolean requestHasBody;
    private boolean requestComplete;
    private long requestBodyRemaining;
    private long requestBodyBytes;
    private boolean continueSent;
    private boolean persistentPick;
    private boolean headRequest;
    private String userAgent;
    private String referer;
    private String xForwardedFor;
    private String cookieHeader;
    private String[] logHeaders;
    private boolean acceptsGzip;

    // ---- backend / response
    private Backend backend;
    private BackendConnection bc;
    private boolean bcReused;
    private boolean respHeadDone;
    private boolean responseStarted;
    private boolean responseComplete;
    private int respMode;
    private long respRemaining;
    private boolean respChunkToClient;
    private boolean backendKeepAlive;
    private int status;
    private long bytesSent;
    private long bodyBytesSent;
    private boolean backendDirty;
    private boolean clientDirty;
    private GzipEncoder gzipEncoder;
    private boolean gzipActive;

    // ---- tries (access log upstream lists)
    private int tries;
    private final Backend[] tried = new Backend[MAX_TRIES];
    private final int[] tryStatus = new int[MAX_TRIES];
    private final long[] tryConnectNs = new long[MAX_TRIES];
    private final long[] tryHeaderNs = new long[MAX_TRIES];
    private final long[] tryResponseNs = new long[MAX_TRIES];
    private long tryStartNs;

    // ---- timer
    private int timerKind;
    private long deadlineNs;
    private long timerAtNs;
    private ScheduledFuture<?> timer;

    ClientConnection(ListenerRuntime lr, StageContext stage) {
        this.lr = lr;
        this.stage = stage;
        this.counters = lr.counters;
        this.req = new Http1HeadParser(true, lr.settings.limits().maxHeaderBytes(), lr.settings.limits().maxUriBytes());
        this.resp = new Http1HeadParser(false, 64 * 1024, 8 * 1024);
    }

    // =============================================================== client channel events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ch = ctx.channel();
        alloc = ctx.alloc();
        // non-IP channels (tests, unix sockets) get an unspecified address rather than failing
        // a PROXY header read before this handler existed (HTTPS, HTTP/2 streams) left the client address on the channel
        final InetSocketAddress proxied = proxiedSource(ch);
        clientAddress = proxied != null ? proxied : ch.remoteAddress() instanceof InetSocketAddress a ? a : UNKNOWN_ADDRESS;
        clientIp = clientAddress.getAddress().getHostAddress();
        localAddress = ch.localAddress() instanceof InetSocketAddress a ? a : UNKNOWN_ADDRESS;
        localPort = Integer.toString(localAddress.getPort());
        counters.increment(ListenerCounters.Counter.CONNECTIONS_ACCEPTED);
        counters.increment(ListenerCounters.Counter.CONNECTIONS_ACTIVE);
        counters.increment(ListenerCounters.Counter.CONNECTIONS_IDLE);
        activeCounted = true;
        state = S_HEAD;
        final long now = System.nanoTime();
        arm(T_IDLE, lr.clientIdleNs > 0 ? lr.clientIdleNs : lr.requestNs, now);
        ch.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf) || state == S_CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        final int n = buf.readableBytes();
        counters.add(ListenerCounters.Counter.BYTES_IN, n);
        final long now = System.nanoTime();
        if (state == S_TUNNEL) {
            if (bc == null) {
                buf.release();
                return;
            }
            arm(T_TUNNEL, lr.webSocketIdleNs, now);
            bc.channel.write(buf, bc.channel.voidPromise());
            backendDirty = true;
            return;
        }
        if (in == null) {
            in = buf;
        } else {
            in = appendTo(in, buf);
        }
        try {
            process(now);
        } catch (RuntimeException e) {
            bug(e);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushBackend();
        flushClient();
        maybeReadClient();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ch.isWritable() && bc != null && state != S_CLOSED) {
            bc.channel.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        final boolean wasTunnel = state == S_TUNNEL;
        state = S_CLOSED;
        if (activeCounted) {
            activeCounted = false;
            counters.add(ListenerCounters.Counter.CONNECTIONS_ACTIVE, -1);
            if (!requestActive) {
                counters.add(ListenerCounters.Counter.CONNECTIONS_IDLE, -1);
            }
        }
        if (requestActive && !logged) {
            if (!wasTunnel && !responseComplete && !responseStarted) {
                status = 499;
            }
            logAndCount(System.nanoTime());
        }
        cancelTimer();
        if (rewrittenHead != null) {
            rewrittenHead.release();
            rewrittenHead = null;
        }
        dropBackend();
        releaseBuffers();
        if (gzipEncoder != null) {
            gzipEncoder.close();
            gzipEncoder = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // connection reset and similar I/O errors: close, channelInactive accounts for the request
        ctx.close();
    }

    // =============================================================== request side

    private void process(long now) {
        while (state != S_CLOSED) {
            switch (state) {
                case S_HEAD -> {
                    if (!readHead(now)) {
                        return;
                    }
                }
                case S_EXCHANGE -> {
                    if (!requestComplete && headConsumed) {
                        arm(T_REQUEST, lr.requestNs, now);
                        readBody(now);
                    }
                    return;
                }
                default -> {
                    return;
                }
            }
        }
    }

    private static InetSocketAddress proxiedSource(Channel ch) {
        final InetSocketAddress own = ch.attr(InboundProxyHandler.SOURCE).get();
        return own != null || ch.parent() == null ? own : ch.parent().attr(InboundProxyHandler.SOURCE).get();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof InboundProxyHandler.ProxiedSource p) {
            // HTTP: the header was read after this handler became active, before any request byte
            clientAddress = p.source();
            clientIp = clientAddress.getAddress().getHostAddress();
        }
        ctx.fireUserEventTriggered(evt);
    }

    private boolean readHead(long now) {
        if (in == null || !in.isReadable()) {
            return false;
        }
        if (!requestActive) {
            beginRequest(now);
        }
        final int r = req.parse(in);
        if (r == Http1HeadParser.NEED_MORE) {
            return false;
        }
        if (r == Http1HeadParser.ERROR) {
            fillRequestStrings();
            sendError(req.errorStatus, req.errorReason, true, now);
            return false;
        }
        onHead(now);
        return state == S_HEAD;
    }

    private void beginRequest(long now) {
        requestActive = true;
        counters.add(ListenerCounters.Counter.CONNECTIONS_IDLE, -1);
        generation++;
        startNs = now;
        startEpochMs = System.currentTimeMillis();
        arm(T_REQUEST, lr.requestNs, now);
        if (rttMicros < 0 && ch instanceof EpollSocketChannel e) {
            rttMicros = e.tcpInfo().rtt();
        }
    }

    private void fillRequestStrings() {
        if (req.method != null && target == null && req.targetEnd > req.targetStart) {
            method = req.method;
            target = in.toString(in.readerIndex() + req.targetStart, req.targetEnd - req.targetStart,
                    StandardCharsets.ISO_8859_1);
        }
    }

    private void onHead(long now) {
        final int base = in.readerIndex();
        method = req.method;
        headRequest = "HEAD".equals(method);
        target = in.toString(base + req.targetStart, req.targetEnd - req.targetStart, StandardCharsets.ISO_8859_1);
        hostHeader = req.hostIndex >= 0 ? req.value(in, req.hostIndex) : null;
        userAgent = req.value(in, HeaderName.USER_AGENT);
        referer = req.value(in, HeaderName.REFERER);
        xForwardedFor = req.value(in, HeaderName.X_FORWARDED_FOR);
        cookieHeader = req.value(in, HeaderName.COOKIE);
        if (lr.accessLogFormat != null && lr.accessLogFormat.requestHeaderCount() > 0) {
            logHeaders = new String[lr.accessLogFormat.requestHeaderCount()];
            for (int i = 0; i < logHeaders.length; i++) {
                logHeaders[i] = req.value(in, lr.accessLogFormat.requestHeader(i));
            }
        }
        clientKeepAlive = req.keepAlive;
        requestHasBody = req.chunked || req.contentLength > 0;
        if ("CONNECT".equals(method)) {
            sendError(501, "connect-not-supported", true, now);
            return;
        }
        if (!splitTarget()) {
            sendError(400, "bad-request-target", true, now);
            return;
        }
        String authority = hostOverride != null ? hostOverride : hostHeader;
        host = authority == null ? "" : normaliseHost(authority);
        if (host == null) {
            sendError(400, "bad-host", true, now);
            return;
        }
        if (!req.chunked && req.contentLength > lr.settings.limits().maxBodyBytes()) {
            sendError(413, "body-too-large", true, now);
            return;
        }
        final ForwardingRule rule = lr.rules.match(host, path);
        if (rule != null && rule.redirect() != null) {
            sendRedirect(rule, now);
            return;
        }
        group = lr.route(rule);
        if (group == null) {
            sendError(404, "no-rule", requestHasBody, now);
            return;
        }
        acceptsGzip = lr.gzip.enabled() && !headRequest && lr.gzip.clientAccepts(in, req);
        Backend b = group.selector.persistent(this);
        persistentPick = b != null;
        if (b == null) {
            b = group.selector.pick(this);
        }
        if (b == null) {
            sendError(503, "no-healthy-backend", requestHasBody, now);
            return;
        }
        rewrittenHead = alloc.buffer(req.headLength() + 256);
        if (lr.tls != null && !tlsRead) {
            readTls();
        }
        HeadRewriter.writeRequest(in, req, rewrittenHead, lr.template, originOffset, hostOverride, clientIp,
                localPort, clientCertHeaders);
        in.skipBytes(req.headLength());
        headConsumed = true;
        requestBodyRemaining = req.chunked ? -1 : req.contentLength;
        if (req.chunked) {
            reqChunks.reset();
        }
        state = S_CONNECTING;
        arm(T_RESPONSE, lr.responseNs, now);
        connect(b, now);
    }

    /** Reads protocol, cipher, SNI and the verified client certificate of the connection (once, allocates). */
    private void readTls() {
        tlsRead = true;
        final io.netty.handler.ssl.SslHandler ssl = io.fulcrum.tls.ssl.FulcrumSniHandler.sslHandler(ch);
        sni = io.fulcrum.tls.ssl.FulcrumSniHandler.sni(ch);
        if (ssl == null) {
            return;
        }
        final javax.net.ssl.SSLSession session = ssl.engine().getSession();
        tlsProtocol = session.getProtocol();
        tlsCipher = session.getCipherSuite();
        if (!lr.clientCertHeaders) {
            return;
        }
        try {
            final java.security.cert.Certificate[] peer = session.getPeerCertificates();
            final java.security.cert.X509Certificate[] chain = new java.security.cert.X509Certificate[peer.length];
            for (int i = 0; i < peer.length; i++) {
                chain[i] = (java.security.cert.X509Certificate) peer[i];
            }
            if (lr.tls.verifiesClient(chain)) {
                final byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded());
                clientCertHeaders = "X-Client-Verify: SUCCESS\r\nX-Client-DN: "
                        + chain[0].getSubjectX500Principal().getName().replace('\r', ' ').replace('\n', ' ')
                        + "\r\nX-Client-Fingerprint: " + java.util.HexFormat.of().formatHex(digest) + "\r\n";
            } else {
                clientCertHeaders = "X-Client-Verify: FAILED\r\n";
            }
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            clientCertHeaders = "X-Client-Verify: NONE\r\n";
        } catch (java.security.GeneralSecurityException e) {
            clientCertHeaders = "X-Client-Verify: FAILED\r\n";
        }
    }

    @Override
    public boolean secure() {
        return lr.tls != null;
    }

    /** Splits the request-target into path (for rules) and the origin-form offset; false when malformed. */
    private boolean splitTarget() {
        originOffset = 0;
        hostOverride = null;
        final String t = target;
        if (t.charAt(0) == '/') {
            final int q = t.indexOf('?');
            path = q < 0 ? t : t.substring(0, q);
            return true;
        }
        if (t.equals("*")) {
            path = "*";
            return "OPTIONS".equals(method);
        }
        final String lower = t.length() > 8 ? t.substring(0, 8).toLowerCase(Locale.ROOT) : "";
        final int schemeLength = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
        if (schemeLength < 0) {
            return false;
        }
        int slash = t.indexOf('/', schemeLength);
        final int q = t.indexOf('?', schemeLength);
        if (slash < 0 || (q >= 0 && q < slash)) {
            slash = q < 0 ? t.length() : q;
        }
        final String authority = t.substring(schemeLength, slash);
        if (authority.isEmpty() || authority.indexOf('@') >= 0) {
            return false;
        }
        hostOverride = authority;
        originOffset = slash;
        final int pq = t.indexOf('?', slash);
        path = slash == t.length() || t.charAt(slash) != '/' ? "/" : (pq < 0 ? t.substring(slash) : t.substring(slash, pq));
        return true;
    }

    /**
     * Lower-case host without port; null unless {@code authority} is {@code uri-host [":" port]} (RFC 3986 §3.2.2 and
     * §3.2.3, no userinfo): an IP literal in brackets, or a name of letters, digits, {@code . - _ ~ %}, then an optional
     * port of at most 5 digits (possibly empty).
     */
    static String normaliseHost(String authority) {
        final int len = authority.length();
        int end = len;
        if (len > 0 && authority.charAt(0) == '[') {
            final int close = authority.indexOf(']');
            if (close < 2) {
                return null;
            }
            for (int i = 1; i < close; i++) {
                final char c = authority.charAt(i);
                if (!hostChar(c) && c != ':') {
                    return null;
                }
            }
            end = close + 1;
            if (end < len && authority.charAt(end) != ':') {
                return null;
            }
        } else {
            for (int i = 0; i < len; i++) {
                final char c = authority.charAt(i);
                if (c == ':') {
                    end = i;
                    break;
                }
                if (!hostChar(c)) {
                    return null;
                }
            }
        }
        if (end < len) {
            if (len - end - 1 > 5) {
                return null;
            }
            int port = 0;
            for (int i = end + 1; i < len; i++) {
                final char c = authority.charAt(i);
                if (c < '0' || c > '9') {
                    return null;
                }
                port = port * 10 + (c - '0');
            }
            if (port > 65535) {
                return null;
            }
        }
        boolean lowerAlready = true;
        for (int i = 0; i < end; i++) {
            final char c = authority.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                lowerAlready = false;
                break;
            }
        }
        final String h = end == len ? authority : authority.substring(0, end);
        return lowerAlready ? h : h.toLowerCase(Locale.ROOT);
    }

    private static boolean hostChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
                || c == '_' || c == '~' || c == '%';
    }

    private void sendRedirect(ForwardingRule rule, long now) {
        final String scheme = rule.redirect().scheme();
        final int port = rule.redirect().port();
        final boolean defaultPort = ("https".equals(scheme) && port == 443) || ("http".equals(scheme) && port == 80);
        final String hostPart = host.indexOf(':') >= 0 && host.charAt(0) != '[' ? "[" + host + "]" : host;
        final String origin = target.charAt(0) == '/' ? target
                : originOffset < target.length() && target.charAt(originOffset) == '?' ? "/" + target.substring(originOffset)
                : target.substring(originOffset);
        final String location = scheme + "://" + hostPart + (defaultPort ? "" : ":" + port)
                + (origin.isEmpty() ? "/" : origin);
        final int code = "GET".equals(method) || headRequest ? 301 : 308;
        final boolean close = requestHasBody || !clientKeepAlive || lr.clientIdleNs == 0;
        final ByteBuf out = HttpErrors.redirect(alloc, code, location, close);
        finishLocalResponse(code, out, 0, close, now);
    }

    // =============================================================== backend connection

    private void connect(Backend b, long now) {
        backend = b;
        tryStartNs = now;
        if (tries < MAX_TRIES) {
            tried[tries] = b;
            tryStatus[tries] = 0;
            tryConnectNs[tries] = -1;
            tryHeaderNs[tries] = -1;
            tryResponseNs[tries] = -1;
        }
        tries++;
        final BackendCounters bcCounters = group.counters(b);
        bcCounters.increment(BackendCounters.Counter.REQUESTS);
        final BackendConnection pooled = stage.pool().poll(b, group.settings.tls(), now);
        if (pooled != null) {
            attach(pooled, true, now);
            return;
        }
        final BackendConnection conn = new BackendConnection(b, group.settings.tls(), bcCounters, stage.pool());
        final int gen = generation;
        final ChannelFuture f = new Bootstrap()
                .group(ch.eventLoop())
                .channel(stage.transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, lr.connectMs)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(conn)
                .connect(b.address());
        f.addListener((ChannelFutureListener) future -> connected(conn, future, gen));
    }

    private void connected(BackendConnection conn, ChannelFuture f, int gen) {
        if (state != S_CONNECTING || gen != generation || conn.backend != backend) {
            if (f.isSuccess()) {
                f.channel().close();
            }
            return;
        }
        final long now = System.nanoTime();
        if (!f.isSuccess()) {
            final boolean timeout = f.cause() instanceof ConnectTimeoutException;
            conn.counters.increment(BackendCounters.Counter.CONNECT_FAILURES);
            group.selector.failed(backend);
            recordTry(timeout ? 504 : 502, now);
            retryOrFail(timeout ? 504 : 502, timeout ? "backend-connect-timeout" : "backend-connect-failed", now);
            return;
        }
        conn.channel = f.channel();
        final BackendTlsContext tls = group.tls;
        if (tls == null) {
            attach(conn, false, now);
            return;
        }
        // re-encryption: the request goes out once the handshake (and the certificate check) is done
        final SslHandler ssl = tls.newHandler(alloc, backend.address(), lr.connectMs);
        conn.channel.pipeline().addFirst(ssl);
        // AUTO_READ is off: ask for the server's handshake messages
        conn.channel.read();
        ssl.handshakeFuture().addListener(h -> handshaken(conn, tls, h.isSuccess() ? null : h.cause(), gen));
    }

    private void handshaken(BackendConnection conn, BackendTlsContext tls, Throwable failure, int gen) {
        if (state != S_CONNECTING || gen != generation || conn.backend != backend) {
            conn.channel.close();
            return;
        }
        final long now = System.nanoTime();
        if (failure != null) {
            final boolean verify = BackendTlsContext.isVerifyFailure(failure);
            conn.counters.increment(verify ? BackendCounters.Counter.TLS_VERIFY_FAILURES
                    : BackendCounters.Counter.TLS_HANDSHAKE_FAILURES);
            tls.logFailure(backend.id(), failure);
            conn.channel.close();
            group.selector.failed(backend);
            recordTry(502, now);
            retryOrFail(502, verify ? "backend-tls-verify-failed" : "backend-tls-handshake-failed", now);
            return;
        }
        attach(conn, false, now);
    }

    private void attach(BackendConnection conn, boolean reused, long now) {
        bc = conn;
        bcReused = reused;
        conn.owner = this;
        if (tries <= MAX_TRIES) {
            tryConnectNs[tries - 1] = now - tryStartNs;
        }
        state = S_EXCHANGE;
        resp.reset();
        respHeadDone = false;
        conn.counters.add(BackendCounters.Counter.BYTES_OUT, rewrittenHead.readableBytes());
        conn.channel.write(rewrittenHead.retainedDuplicate(), conn.channel.voidPromise());
        backendDirty = true;
        if (req.expectContinue && !continueSent && req.versionMinor == 1) {
            continueSent = true;
            ch.write(Unpooled.wrappedBuffer(CONTINUE), ch.voidPromise());
            clientDirty = true;
        }
        if (!requestHasBody) {
            requestComplete = true;
            arm(T_RESPONSE, lr.responseNs, now);
        } else {
            arm(T_REQUEST, lr.requestNs, now);
            readBody(now);
        }
        flushBackend();
        flushClient();
        conn.channel.read();
        maybeReadClient();
        releaseInIfEmpty();
    }

    private void readBody(long now) {
        while (!requestComplete && in != null && in.isReadable() && state == S_EXCHANGE) {
            if (requestBodyRemaining >= 0) {
                final int n = (int) Math.min(requestBodyRemaining, in.readableBytes());
                requestBodyRemaining -= n;
                requestBodyBytes += n;
                writeBackend(in.readRetainedSlice(n));
                if (requestBodyRemaining == 0) {
                    requestDone(now);
                }
            } else {
                final int r = reqChunks.next(in);
                if (r == ChunkedDecoder.NEED_MORE) {
                    break;
                }
                if (r == ChunkedDecoder.ERROR) {
                    abortRequest(400, reqChunks.errorReason, now);
                    return;
                }
                if (r == ChunkedDecoder.END) {
                    writeBackend(Unpooled.wrappedBuffer(LAST_CHUNK));
                    requestDone(now);
                    break;
                }
                final int n = reqChunks.dataLength;
                requestBodyBytes += n;
                if (requestBodyBytes > lr.settings.limits().maxBodyBytes()) {
                    in.skipBytes(n);
                    abortRequest(413, "body-too-large", now);
                    return;
                }
                writeBackend(chunkHeader(n));
                writeBackend(in.readRetainedSlice(n));
                writeBackend(Unpooled.wrappedBuffer(CRLF));
            }
        }
        releaseInIfEmpty();
    }

    private ByteBuf chunkHeader(int n) {
        final ByteBuf h = alloc.buffer(10);
        final int digits = Math.max(1, (35 - Integer.numberOfLeadingZeros(n)) / 4);
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            h.writeByte(Character.forDigit((n >>> shift) & 0xF, 16));
        }
        h.writeBytes(CRLF);
        return h;
    }

    private void writeBackend(ByteBuf b) {
        bc.counters.add(BackendCounters.Counter.BYTES_OUT, b.readableBytes());
        bc.channel.write(b, bc.channel.voidPromise());
        backendDirty = true;
    }

    private void requestDone(long now) {
        requestComplete = true;
        flushBackend();
        if (responseComplete) {
            finishExchange(now);
        } else if (!respHeadDone) {
            arm(T_RESPONSE, lr.responseNs, now);
        }
    }

    /** Bad request body (bad chunk, too large) after the head went to the backend: the backend connection dies. */
    private void abortRequest(int code, String reason, long now) {
        dropBackend();
        if (responseStarted) {
            close();
            return;
        }
        sendError(code, reason, true, now);
    }

    // =============================================================== backend events

    void backendRead(BackendConnection conn, ByteBuf buf) {
        if (conn != bc || state == S_CLOSED) {
            buf.release();
            conn.channel.close();
            return;
        }
        if (state == S_TUNNEL) {
            arm(T_TUNNEL, lr.webSocketIdleNs, System.nanoTime());
            writeClient(buf);
            return;
        }
        respIn = respIn == null ? buf : appendTo(respIn, buf);
        try {
            processResponse(System.nanoTime());
        } catch (RuntimeException e) {
            bug(e);
        }
    }

    void backendReadComplete(BackendConnection conn) {
        if (conn != bc) {
            return;
        }
        flushClient();
        flushBackend();
        if (bc != null && ch.isWritable() && (state == S_TUNNEL || (state == S_EXCHANGE && !responseComplete))) {
            bc.channel.read();
        }
    }

    void backendWritable(BackendConnection conn) {
        if (conn == bc) {
            maybeReadClient();
        }
    }

    void backendClosed(BackendConnection conn) {
        if (conn != bc || state == S_CLOSED) {
            return;
        }
        bc = null;
        final long now = System.nanoTime();
        if (state == S_TUNNEL) {
            releaseResp();
            logAndCountOnce(now);
            close();
            return;
        }
        if (respHeadDone && respMode == R_CLOSE) {
            if (respIn != null && respIn.isReadable()) {
                writeBody(respIn.readRetainedSlice(respIn.readableBytes()));
            }
            releaseResp();
            endResponseBody();
            backendKeepAlive = false;
            onResponseComplete(now);
            return;
        }
        final boolean nothingReceived = respIn == null && !respHeadDone;
        releaseResp();
        if (!responseStarted) {
            if (nothingReceived && bcReused && !requestHasBody) {
                // a pooled connection the backend had closed: try a fresh one, it is not a failure of the backend
                tries--;
                bcReused = false;
                state = S_CONNECTING;
                connect(backend, now);
                return;
            }
            group.counters(backend).increment(BackendCounters.Counter.FAILURES);
            group.selector.failed(backend);
            recordTry(502, now);
            if (!requestHasBody && Methods.idempotent(method) && !persistentPick && nothingReceived) {
                retryOrFail(502, "backend-reset", now);
            } else {
                sendError(502, "backend-reset", !requestComplete, now);
            }
            return;
        }
        // truncated response: nothing sensible can follow on the client connection
        close();
    }

    private void processResponse(long now) {
        while (state == S_EXCHANGE && respIn != null && respIn.isReadable() && !responseComplete) {
            if (!respHeadDone) {
                final int r = resp.parse(respIn);
                if (r == Http1HeadParser.NEED_MORE) {
                    return;
                }
                if (r == Http1HeadParser.ERROR) {
                    badResponse(resp.errorReason, now);
                    return;
                }
                if (!onResponseHead(now)) {
                    return;
                }
            } else {
                readResponseBody(now);
            }
        }
        if (respIn != null && !respIn.isReadable()) {
            releaseResp();
        }
    }

    private void badResponse(String reason, long now) {
        group.counters(backend).increment(BackendCounters.Counter.FAILURES);
        group.selector.failed(backend);
        recordTry(502, now);
        dropBackend();
        if (responseStarted) {
            close();
        } else {
            sendError(502, "bad-response-" + reason, true, now);
        }
    }

    /** Handles a parsed response head; false when processing must stop. */
    private boolean onResponseHead(long now) {
        final int code = resp.status;
        if (code >= 100 && code < 200 && code != 101) {
            // interim response: forward to HTTP/1.1 clients except 100 (the proxy answers Expect itself)
            if (code != 100 && req.versionMinor == 1) {
                final ByteBuf h = alloc.buffer(resp.headLength() + 16);
                HeadRewriter.writeResponse(respIn, resp, h, false, false, null, null, false);
                writeClient(h);
            }
            respIn.skipBytes(resp.headLength());
            resp.reset();
            return true;
        }
        respHeadDone = true;
        if (tries <= MAX_TRIES) {
            tryHeaderNs[tries - 1] = now - tryStartNs;
            tryStatus[tries - 1] = code;
        }
        group.selector.responded(backend, code);
        if (group.appCookie) {
            for (int hh = 0; hh < resp.headerCount; hh++) {
                if (resp.ids[hh] == HeaderName.SET_COOKIE) {
                    group.selector.learnCookie(this, backend, resp.value(respIn, hh));
                }
            }
        }
        status = code;
        if (code == 101) {
            if (!req.upgradeWebSocket || !resp.upgradeWebSocket) {
                badResponse("unexpected-101", now);
                return false;
            }
            final ByteBuf h = alloc.buffer(resp.headLength() + 64);
            HeadRewriter.writeResponse(respIn, resp, h, false, false, "upgrade", null, false);
            respIn.skipBytes(resp.headLength());
            writeClient(h);
            responseStarted = true;
            enterTunnel(now);
            return false;
        }
        backendKeepAlive = resp.keepAlive;
        if (headRequest || code == 204 || code == 304) {
            respMode = R_NONE;
        } else if (resp.chunked) {
            respMode = R_CHUNKED;
            respChunks.reset();
        } else if (resp.closeDelimited) {
            respMode = R_CLOSE;
            backendKeepAlive = false;
        } else {
            respMode = resp.contentLength == 0 ? R_NONE : R_LENGTH;
            respRemaining = resp.contentLength;
        }
        gzipActive = acceptsGzip && respMode != R_NONE && lr.gzip.responseQualifies(respIn, resp);
        if (gzipActive) {
            if (gzipEncoder == null) {
                gzipEncoder = new GzipEncoder(lr.gzip.level());
            } else {
                gzipEncoder.reset();
            }
        }
        final boolean reframe = respMode == R_CHUNKED || respMode == R_CLOSE || gzipActive;
        respChunkToClient = reframe && req.versionMinor == 1;
        if (reframe && req.versionMinor == 0) {
            clientKeepAlive = false;
        }
        if (!requestComplete) {
            // the backend answered before the whole body arrived: the rest of the body cannot be resynchronised
            clientKeepAlive = false;
        }
        if (lr.clientIdleNs == 0) {
            clientKeepAlive = false;
        }
        final String connection = !clientKeepAlive ? "close" : req.versionMinor == 0 ? "keep-alive" : null;
        final String cookie = group.insertCookie && (code < 400 || code >= 500)
                ? group.selector.setCookie(this, backend) : null;
        final ByteBuf h = alloc.buffer(resp.headLength() + 128);
        // a re-framed body never keeps the backend's Content-Length (CL+TE responses to HTTP/1.0 clients included)
        HeadRewriter.writeResponse(respIn, resp, h, respChunkToClient, reframe, connection, cookie, gzipActive);
        respIn.skipBytes(resp.headLength());
        writeClient(h);
        responseStarted = true;
        if (respMode == R_NONE) {
            onResponseComplete(now);
            return false;
        }
        arm(T_RESPONSE, lr.responseNs, now);
        return true;
    }

    private void readResponseBody(long now) {
        arm(T_RESPONSE, lr.responseNs, now);
        switch (respMode) {
            case R_LENGTH -> {
                final int n = (int) Math.min(respRemaining, respIn.readableBytes());
                respRemaining -= n;
                writeBody(respIn.readRetainedSlice(n));
                if (respRemaining == 0) {
                    endResponseBody();
                    onResponseComplete(now);
                }
            }
            case R_CHUNKED -> {
                final int r = respChunks.next(respIn);
                if (r == ChunkedDecoder.ERROR) {
                    badResponse(respChunks.errorReason, now);
                } else if (r == ChunkedDecoder.DATA) {
                    writeBody(respIn.readRetainedSlice(respChunks.dataLength));
                } else if (r == ChunkedDecoder.END) {
                    endResponseBody();
                    onResponseComplete(now);
                }
            }
            case R_CLOSE -> writeBody(respIn.readRetainedSlice(respIn.readableBytes()));
            default -> throw new IllegalStateException("response mode " + respMode);
        }
    }

    private void writeBody(ByteBuf data) {
        ByteBuf payload = data;
        if (gzipActive) {
            payload = gzipEncoder.encode(alloc, data);
            data.release();
            if (!payload.isReadable()) {
                payload.release();
                return;
            }
        }
        final int n = payload.readableBytes();
        if (n == 0) {
            payload.release();
            return;
        }
        bodyBytesSent += n;
        if (respChunkToClient) {
            final ByteBuf h = chunkHeader(n);
            writeClient(h);
            writeClient(payload);
            writeClient(Unpooled.wrappedBuffer(CRLF));
        } else {
            writeClient(payload);
        }
    }

    private void endResponseBody() {
        if (gzipActive) {
            final ByteBuf tail = gzipEncoder.finish(alloc);
            gzipActive = false;
            bodyBytesSent += tail.readableBytes();
            if (respChunkToClient) {
                final ByteBuf h = chunkHeader(tail.readableBytes());
                    writeClient(h);
                writeClient(tail);
                writeClient(Unpooled.wrappedBuffer(CRLF));
            } else {
                writeClient(tail);
            }
        }
        if (respChunkToClient) {
            writeClient(Unpooled.wrappedBuffer(LAST_CHUNK));
        }
    }

    private void writeClient(ByteBuf b) {
        bytesSent += b.readableBytes();
        counters.add(ListenerCounters.Counter.BYTES_OUT, b.readableBytes());
        ch.write(b, ch.voidPromise());
        clientDirty = true;
    }

    private void onResponseComplete(long now) {
        responseComplete = true;
        if (tries <= MAX_TRIES) {
            tryResponseNs[tries - 1] = now - tryStartNs;
        }
        if (requestComplete) {
            finishExchange(now);
        } else {
            // body still arriving: respond now, then close (the remaining body is not read)
            clientKeepAlive = false;
            finishExchange(now);
        }
    }

    private void enterTunnel(long now) {
        state = S_TUNNEL;
        requestComplete = true;
        arm(T_TUNNEL, lr.webSocketIdleNs, now);
        if (respIn != null) {
            if (respIn.isReadable()) {
                writeClient(respIn);
            } else {
                respIn.release();
            }
            respIn = null;
        }
        if (in != null) {
            if (in.isReadable()) {
                bc.channel.write(in, bc.channel.voidPromise());
                backendDirty = true;
            } else {
                in.release();
            }
            in = null;
        }
        flushClient();
        flushBackend();
        bc.channel.read();
        ch.read();
    }

    // =============================================================== retries and local responses

    private void retryOrFail(int code, String reason, long now) {
        final boolean canRetry = !persistentPick && tries < MAX_TRIES && !responseStarted;
        final Backend next = canRetry ? group.selector.pick(this) : null;
        if (next != null) {
            counters.increment(ListenerCounters.Counter.RETRIES);
            state = S_CONNECTING;
            dropBackend();
            connect(next, now);
            return;
        }
        dropBackend();
        sendError(code, reason, requestHasBody && !requestComplete, now);
    }

    private void recordTry(int code, long now) {
        if (tries >= 1 && tries <= MAX_TRIES) {
            tryStatus[tries - 1] = code;
            if (tryResponseNs[tries - 1] < 0) {
                tryResponseNs[tries - 1] = now - tryStartNs;
            }
        }
    }

    private void sendError(int code, String reason, boolean close, long now) {
        final boolean closeConn = close || !clientKeepAlive || !requestActive || lr.clientIdleNs == 0
                || (requestHasBody && !requestComplete);
        final ByteBuf out = HttpErrors.error(alloc, code, reason, closeConn, headRequest);
        final int body = headRequest ? 0 : HttpErrors.errorBodyLength(code, reason);
        finishLocalResponse(code, out, body, closeConn, now);
    }

    private void finishLocalResponse(int code, ByteBuf out, int bodyLength, boolean close, long now) {
        if (!requestActive) {
            beginRequestForError(now);
        }
        dropBackend();
        releaseResp();
        status = code;
        bytesSent += out.readableBytes();
        bodyBytesSent += bodyLength;
        counters.add(ListenerCounters.Counter.BYTES_OUT, out.readableBytes());
        ch.write(out, ch.voidPromise());
        clientDirty = true;
        responseStarted = true;
        responseComplete = true;
        if (close) {
            clientKeepAlive = false;
        } else {
            // the request had no body and was fully read: the connection stays usable
            if (headConsumed) {
                requestComplete = true;
            } else if (req.headLength() > 0 && in != null && in.readableBytes() >= req.headLength()) {
                in.skipBytes(req.headLength());
                requestComplete = true;
            } else {
                clientKeepAlive = false;
            }
        }
        finishExchange(now);
    }

    private void beginRequestForError(long now) {
        requestActive = true;
        counters.add(ListenerCounters.Counter.CONNECTIONS_IDLE, -1);
        startNs = now;
        startEpochMs = System.currentTimeMillis();
    }

    private void finishExchange(long now) {
        logAndCount(now);
        // backend connection: reusable only when both messages ended cleanly and nothing extra arrived
        final BackendConnection conn = bc;
        bc = null;
        if (conn != null) {
            final boolean extra = respIn != null && respIn.isReadable();
            if (requestComplete && responseComplete && backendKeepAlive && !extra && conn.channel.isActive()) {
                stage.pool().offer(conn, now);
            } else {
                conn.owner = null;
                conn.channel.close();
            }
        }
        releaseResp();
        if (!clientKeepAlive) {
            state = S_CLOSED;
            cancelTimer();
            if (activeCounted) {
                activeCounted = false;
                counters.add(ListenerCounters.Counter.CONNECTIONS_ACTIVE, -1);
            }
            releaseBuffers();
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            clientDirty = false;
            return;
        }
        resetExchange();
        counters.increment(ListenerCounters.Counter.CONNECTIONS_IDLE);
        state = S_HEAD;
        arm(T_IDLE, lr.clientIdleNs, now);
        flushClient();
        releaseInIfEmpty();
        if (in != null && in.isReadable()) {
            // a pipelined request is already buffered: handle it in a fresh task, not recursively, so a long
            // pipeline of locally answered requests cannot grow the stack
            ch.eventLoop().execute(resumeTask);
        }
    }

    private void resumePipelined() {
        if (state == S_HEAD && in != null && in.isReadable()) {
            try {
                process(System.nanoTime());
            } catch (RuntimeException e) {
                bug(e);
            }
            flushBackend();
            flushClient();
            maybeReadClient();
        }
    }

    private void resetExchange() {
        requestActive = false;
        req.reset();
        resp.reset();
        method = null;
        host = null;
        hostHeader = null;
        target = null;
        path = null;
        hostOverride = null;
        originOffset = 0;
        group = null;
        requestHasBody = false;
        requestComplete = false;
        requestBodyRemaining = 0;
        requestBodyBytes = 0;
        continueSent = false;
        persistentPick = false;
        headRequest = false;
        userAgent = null;
        referer = null;
        xForwardedFor = null;
        cookieHeader = null;
        logHeaders = null;
        acceptsGzip = false;
        backend = null;
        bcReused = false;
        headConsumed = false;
        logged = false;
        if (rewrittenHead != null) {
            rewrittenHead.release();
            rewrittenHead = null;
        }
        respHeadDone = false;
        responseStarted = false;
        responseComplete = false;
        respMode = R_NONE;
        respRemaining = 0;
        respChunkToClient = false;
        backendKeepAlive = false;
        status = 0;
        bytesSent = 0;
        bodyBytesSent = 0;
        gzipActive = false;
        tries = 0;
    }

    private void logAndCountOnce(long now) {
        if (!logged) {
            logAndCount(now);
        }
    }

    private void logAndCount(long now) {
        if (logged) {
            return;
        }
        logged = true;
        if (group != null) {
            for (int i = 0, n = Math.min(tries, MAX_TRIES); i < n; i++) {
                group.selector.released(tried[i]);
            }
        }
        final long elapsedNs = now - startNs;
        final int st = status == 0 ? 499 : status;
        counters.recordRequest(st, elapsedNs / 1000);
        if (group != null && tries > 0) {
            // the status the client got is counted on the backend of the last try, timed from that try's start
            final Backend last = tries <= MAX_TRIES ? tried[tries - 1] : backend;
            group.counters(last).recordRequest(st, (now - tryStartNs) / 1000);
        }
        if (lr.accessLog != null) {
            final AccessLogEntry e = entry(st, elapsedNs);
            if (!lr.accessLog.offer(e)) {
                counters.increment(ListenerCounters.Counter.ACCESS_LOG_DROPPED);
            }
        }
    }

    private AccessLogEntry entry(int st, long elapsedNs) {
        if (lr.tls != null && !tlsRead) {
            readTls();
        }
        String upStatus = null;
        String upConnect = null;
        String upHeader = null;
        String upResponse = null;
        String upAddr = null;
        final int n = Math.min(tries, MAX_TRIES);
        if (n > 0) {
            final StringBuilder s = new StringBuilder();
            final StringBuilder c = new StringBuilder();
            final StringBuilder h = new StringBuilder();
            final StringBuilder r = new StringBuilder();
            final StringBuilder a = new StringBuilder();
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    s.append(", ");
                    c.append(", ");
                    h.append(", ");
                    r.append(", ");
                    a.append(", ");
                }
                s.append(tryStatus[i] == 0 ? (st == 499 ? "499" : "-") : Integer.toString(tryStatus[i]));
                secondsOrDash(c, tryConnectNs[i]);
                secondsOrDash(h, tryHeaderNs[i]);
                secondsOrDash(r, tryResponseNs[i]);
                a.append(tried[i].hostPort());
            }
            upStatus = s.toString();
            upConnect = c.toString();
            upHeader = h.toString();
            upResponse = r.toString();
            upAddr = a.toString();
        }
        final Backend last = n > 0 ? tried[n - 1] : null;
        return new AccessLogEntry(lr.accessLogFormat, System.currentTimeMillis(), clientIp, clientAddress.getPort(), st,
                method, lr.tls == null ? "http" : "https", hostHeader, target, req.versionMinor == 0 ? "HTTP/1.0" : "HTTP/1.1",
                req.headLength() + requestBodyBytes,
                bytesSent, bodyBytesSent, elapsedNs / 1_000_000, upStatus, upConnect, upHeader, upResponse, upAddr,
                userAgent, referer, xForwardedFor, lr.settings.id(), lr.settings.name(),
                group == null ? null : group.settings.id(), last == null ? null : last.id(),
                localAddress.getAddress().getHostAddress(), localAddress.getPort(), tlsProtocol, tlsCipher, sni, rttMicros,
                logHeaders);
    }

    private static void secondsOrDash(StringBuilder out, long ns) {
        if (ns < 0) {
            out.append('-');
        } else {
            AccessLogFormat.seconds(out, ns / 1_000_000);
        }
    }

    // =============================================================== timers

    private void arm(int kind, long timeoutNs, long now) {
        timerKind = kind;
        deadlineNs = now + timeoutNs;
        if (timer == null || timerAtNs > deadlineNs) {
            if (timer != null) {
                timer.cancel(false);
            }
            timerAtNs = deadlineNs;
            timer = ch.eventLoop().schedule(this, timeoutNs, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelTimer() {
        timerKind = T_NONE;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Timer expiry; re-schedules itself lazily when activity moved the deadline. */
    @Override
    public void run() {
        timer = null;
        if (state == S_CLOSED || timerKind == T_NONE) {
            return;
        }
        final long now = System.nanoTime();
        if (now < deadlineNs) {
            timerAtNs = deadlineNs;
            timer = ch.eventLoop().schedule(this, deadlineNs - now, TimeUnit.NANOSECONDS);
            return;
        }
        try {
            expired(now);
        } catch (RuntimeException e) {
            bug(e);
        }
    }

    private void expired(long now) {
        switch (timerKind) {
            case T_IDLE -> close();
            case T_REQUEST -> {
                if (responseStarted) {
                    close();
                } else {
                    dropBackend();
                    sendError(408, "request-timeout", true, now);
                }
            }
            case T_RESPONSE -> {
                if (backend != null && bc != null) {
                    group.counters(backend).increment(BackendCounters.Counter.TIMEOUTS);
                    group.selector.failed(backend);
                }
                if (responseStarted) {
                    close();
                    return;
                }
                recordTry(504, now);
                dropBackend();
                if (!requestHasBody && Methods.idempotent(method) && !persistentPick) {
                    retryOrFail(504, "backend-timeout", now);
                } else {
                    sendError(504, "backend-timeout", requestHasBody && !requestComplete, now);
                }
            }
            case T_TUNNEL -> {
                logAndCountOnce(now);
                close();
            }
            default -> {
            }
        }
    }

    // =============================================================== helpers

    private void maybeReadClient() {
        if (state == S_CLOSED) {
            return;
        }
        if (state == S_TUNNEL) {
            if (bc != null && bc.channel.isWritable()) {
                ch.read();
            }
            return;
        }
        if (state == S_EXCHANGE && !requestComplete && headConsumed) {
            if (bc != null && bc.channel.isWritable()) {
                ch.read();
            }
            return;
        }
        if (in == null || in.readableBytes() < lr.settings.limits().maxHeaderBytes() + 64) {
            ch.read();
        }
    }

    private void flushBackend() {
        if (backendDirty && bc != null) {
            backendDirty = false;
            bc.channel.flush();
        }
    }

    private void flushClient() {
        if (clientDirty) {
            clientDirty = false;
            ch.flush();
        }
    }

    private void dropBackend() {
        final BackendConnection conn = bc;
        bc = null;
        backendDirty = false;
        if (conn != null) {
            conn.owner = null;
            conn.channel.close();
        }
    }

    private void close() {
        if (state != S_CLOSED) {
            flushClient();
            ch.close();
        }
    }

    private void releaseInIfEmpty() {
        if (in != null && !in.isReadable() && (state != S_HEAD || !requestActive)) {
            in.release();
            in = null;
        }
    }

    private void releaseResp() {
        if (respIn != null) {
            respIn.release();
            respIn = null;
        }
    }

    private void releaseBuffers() {
        if (in != null) {
            in.release();
            in = null;
        }
        releaseResp();
    }

    private ByteBuf appendTo(ByteBuf cumulation, ByteBuf buf) {
        if (!cumulation.isReadable()) {
            cumulation.release();
            return buf;
        }
        final int need = buf.readableBytes();
        if (cumulation.refCnt() == 1 && cumulation.maxWritableBytes() >= need && !cumulation.isReadOnly()) {
            if (cumulation.writableBytes() < need) {
                cumulation.discardSomeReadBytes();
            }
            if (cumulation.writableBytes() >= need || cumulation.capacity() + need <= cumulation.maxCapacity()) {
                cumulation.writeBytes(buf);
                buf.release();
                return cumulation;
            }
        }
        final ByteBuf merged = alloc.buffer(cumulation.readableBytes() + need);
        merged.writeBytes(cumulation);
        merged.writeBytes(buf);
        cumulation.release();
        buf.release();
        return merged;
    }

    private void bug(RuntimeException e) {
        counters.increment(ListenerCounters.Counter.ERRORS);
        HttpStageLog.bug(lr.settings.id(), e);
        dropBackend();
        close();
    }

    // =============================================================== RequestContext

    @Override
    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String cookie(String name) {
        final String c = cookieHeader;
        if (c == null) {
            return null;
        }
        int i = 0;
        final int len = c.length();
        while (i < len) {
            while (i < len && (c.charAt(i) == ' ' || c.charAt(i) == ';')) {
                i++;
            }
            final int eq = c.indexOf('=', i);
            if (eq < 0) {
                return null;
            }
            int end = c.indexOf(';', eq);
            if (end < 0) {
                end = len;
            }
            if (eq - i == name.length() && c.regionMatches(i, name, 0, name.length())) {
                return c.substring(eq + 1, end).trim();
            }
            i = end + 1;
        }
        return null;
    }

    @Override
    public boolean alreadyTried(Backend b) {
        final int n = Math.min(tries, MAX_TRIES);
        for (int i = 0; i < n; i++) {
            if (tried[i] == b || tried[i].equals(b)) {
                return true;
            }
        }
        return false;
    }
}
