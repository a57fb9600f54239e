package io.fulcrum.scheduler.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** One probe of one target, driven by the checker's selector thread; finishes exactly once. */
final class Probe {
    private enum Phase { ECHO, CONNECT, HANDSHAKE, WRITE, READ, UDP_WAIT }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final byte[] DEFAULT_UDP_REQUEST = {0};
    private static final int STATUS_LINE_LIMIT = 1024;
    private static final int TLS_SPIN_LIMIT = 256;

    final Target target;
    final long deadlineNs;
    boolean finished;
    private Phase phase;
    private SocketChannel tcp;
    private DatagramChannel udp;
    private SelectionKey key;
    private ByteBuffer request;
    private ByteBuffer response;
    private SSLEngine engine;
    private ByteBuffer netIn;
    private ByteBuffer netOut;

    Probe(final Target target, final long deadlineNs) {
        this.target = target;
        this.deadlineNs = deadlineNs;
    }

    void start() {
        final HealthCheckConfiguration c = target.configuration;
        if (c.protocol() == HealthCheckProtocol.UDP) {
            if (c.icmpEcho()) {
                phase = Phase.ECHO;
                target.checker.echo(target.endpoint.getAddress(), (int) c.effectiveTimeoutMs(), () -> !finished, reachable -> {
                    if (finished) {
                        return;
                    }
                    if (!reachable) {
                        finish(false, "no ICMP echo reply");
                    } else {
                        startUdp();
                    }
                });
            } else {
                startUdp();
            }
            return;
        }
        try {
            tcp = SocketChannel.open(HealthChecker.family(target.endpoint.getAddress()));
            tcp.configureBlocking(false);
            bind(tcp);
            phase = Phase.CONNECT;
            final boolean connected = tcp.connect(target.endpoint);
            key = tcp.register(target.checker.selector(), connected ? 0 : SelectionKey.OP_CONNECT, this);
            if (connected) {
                onConnected();
            }
        } catch (final IOException e) {
            finish(false, describe(e));
        }
    }

    void onReady(final SelectionKey ready) {
        try {
            switch (phase) {
                case CONNECT -> {
                    if (tcp.finishConnect()) {
                        onConnected();
                    }
                }
                case HANDSHAKE -> pumpTls();
                case WRITE -> writeHttp();
                case READ -> readHttp();
                case UDP_WAIT -> readUdp();
                default -> interest(0);
            }
        } catch (final IOException e) {
            finish(false, describe(e));
        }
    }

    /** The probe's time is up. */
    void onDeadline() {
        if (finished) {
            return;
        }
        final HealthCheckConfiguration c = target.configuration;
        if (phase == Phase.UDP_WAIT && c.udpExpect() == null) {
            finish(true, null);
        } else if (phase == Phase.UDP_WAIT) {
            finish(false, "no UDP response within " + c.effectiveTimeoutMs() + " ms");
        } else if (phase == Phase.ECHO) {
            finish(false, "no ICMP echo reply within " + c.effectiveTimeoutMs() + " ms");
        } else {
            finish(false, "timeout after " + c.effectiveTimeoutMs() + " ms (" + phase.name().toLowerCase() + ")");
        }
    }

    /** Stops without a verdict (target removed or checker closing). */
    void abandon() {
        finished = true;
        closeChannels();
    }

    private void onConnected() throws IOException {
        final HealthCheckProtocol protocol = target.configuration.protocol();
        if (protocol == HealthCheckProtocol.TCP) {
            finish(true, null);
            return;
        }
        request = ByteBuffer.wrap(target.httpRequest);
        response = ByteBuffer.allocate(STATUS_LINE_LIMIT);
        if (protocol == HealthCheckProtocol.HTTP) {
            phase = Phase.WRITE;
            writeHttp();
            return;
        }
        final String host = target.configuration.host() != null ? target.configuration.host()
            : target.endpoint.getAddress().getHostAddress();
        engine = TlsContext.CONTEXT.createSSLEngine(host, target.endpoint.getPort());
        engine.setUseClientMode(true);
        engine.beginHandshake();
        netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        netOut = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        netOut.flip();
        response = ByteBuffer.allocate(Math.max(STATUS_LINE_LIMIT, engine.getSession().getApplicationBufferSize()));
        phase = Phase.HANDSHAKE;
        pumpTls();
    }

    private void writeHttp() throws IOException {
        tcp.write(request);
        if (request.hasRemaining()) {
            interest(SelectionKey.OP_WRITE);
            return;
        }
        phase = Phase.READ;
        interest(SelectionKey.OP_READ);
    }

    private void readHttp() throws IOException {
        final int n = tcp.read(response);
        if (!statusDecided(n < 0) && n < 0) {
            finish(false, "connection closed before the status line");
        }
    }

    /** Drives the TLS handshake, the request and the response through the engine until it needs the network. */
    private void pumpTls() throws IOException {
        for (int spin = 0; spin < TLS_SPIN_LIMIT && !finished; spin++) {
            if (netOut.hasRemaining()) {
                tcp.write(netOut);
                if (netOut.hasRemaining()) {
                    interest(SelectionKey.OP_WRITE);
                    return;
                }
            }
            final SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
                continue;
            }
            final boolean handshaking = hs != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                && hs != SSLEngineResult.HandshakeStatus.FINISHED;
            if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP || (!handshaking && request.hasRemaining())) {
                netOut.clear();
                final SSLEngineResult r = engine.wrap(hs == SSLEngineResult.HandshakeStatus.NEED_WRAP ? EMPTY : request, netOut);
                netOut.flip();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    finish(false, "TLS closed by the backend");
                    return;
                }
                continue;
            }
            netIn.flip();
            final SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, response);
            } finally {
                netIn.compact();
            }
            if (!handshaking && statusDecided(false)) {
                return;
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                if (!statusDecided(true)) {
                    finish(false, "TLS closed before the status line");
                }
                return;
            }
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                finish(false, "status line longer than " + response.capacity() + " bytes");
                return;
            }
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW || (r.bytesConsumed() == 0 && r.bytesProduced() == 0)) {
                final int n = tcp.read(netIn);
                if (n < 0) {
                    if (!statusDecided(true)) {
                        finish(false,
                            handshaking ? "connection closed during the TLS handshake"
                                : "connection closed before the status line");
                    }
                    return;
                }
                if (n == 0) {
                    interest(SelectionKey.OP_READ);
                    return;
                }
            }
        }
        if (!finished) {
            interest(SelectionKey.OP_READ);
        }
    }

    /** Decides on the HTTP status line if {@link #response} holds one; returns whether the probe finished. */
    private boolean statusDecided(final boolean endOfStream) {
        final int length = response.position();
        for (int i = 1; i < length; i++) {
            if (response.get(i - 1) == '\r' && response.get(i) == '\n') {
                final int status = parseStatus(response, i - 1);
                final int classes = target.configuration.expectedClasses();
                if (status < 100 || status > 599) {
                    finish(false, "malformed HTTP status line");
                } else if ((classes & (1 << (status / 100))) != 0) {
                    finish(true, null);
                } else {
                    finish(false, "HTTP " + status + " not in " + HealthCheckConfiguration.classesText(classes));
                }
                return true;
            }
        }
        if (!response.hasRemaining()) {
            finish(false, "status line longer than " + response.capacity() + " bytes");
            return true;
        }
        if (endOfStream && length > 0) {
            finish(false, "connection closed inside the status line");
            return true;
        }
        return false;
    }

    /** Status code of {@code HTTP/1.x NNN ...} in the first {@code end} bytes, or -1. */
    private static int parseStatus(final ByteBuffer line, final int end) {
        if (end < 12 || line.get(0) != 'H' || line.get(1) != 'T' || line.get(2) != 'T' || line.get(3) != 'P' || line.get(4) != '/'
            || line.get(8) != ' ') {
            return -1;
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            final int digit = line.get(i) - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            status = status * 10 + digit;
        }
        return status;
    }

    private void startUdp() {
        final HealthCheckConfiguration c = target.configuration;
        try {
            udp = DatagramChannel.open(HealthChecker.family(target.endpoint.getAddress()));
            udp.configureBlocking(false);
            bind(udp);
            udp.connect(target.endpoint);
            phase = Phase.UDP_WAIT;
            key = udp.register(target.checker.selector(), SelectionKey.OP_READ, this);
            // NIO does not send empty datagrams, so the default probe is one zero byte.
            udp.write(ByteBuffer.wrap(c.udpRequest() == null ? DEFAULT_UDP_REQUEST : c.udpRequest()));
        } catch (final PortUnreachableException e) {
            finish(false, "ICMP port unreachable");
        } catch (final IOException e) {
            finish(false, describe(e));
        }
    }

    private void readUdp() throws IOException {
        final ByteBuffer datagram = ByteBuffer.allocate(2048);
        final int n;
        try {
            n = udp.read(datagram);
        } catch (final PortUnreachableException e) {
            finish(false, "ICMP port unreachable");
            return;
        }
        if (n < 0) {
            return;
        }
        final byte[] expect = target.configuration.udpExpect();
        if (expect == null || contains(datagram, expect)) {
            finish(true, null);
        } else {
            finish(false, "UDP response does not contain the expected bytes");
        }
    }

    private static boolean contains(final ByteBuffer data, final byte[] needle) {
        final int length = data.position();
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data.get(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private void bind(final SelectableChannel channel) throws IOException {
        final java.net.InetAddress source = target.configuration.bindAddress();
        if (source == null) {
            return;
        }
        if (channel instanceof SocketChannel s) {
            s.bind(new InetSocketAddress(source, 0));
        } else if (channel instanceof DatagramChannel d) {
            d.bind(new InetSocketAddress(source, 0));
        }
    }

    private void interest(final int ops) {
        if (key != null && key.isValid()) {
            key.interestOps(ops);
        }
    }

    private void finish(final boolean ok, final String reason) {
        if (finished) {
            return;
        }
        finished = true;
        closeChannels();
        target.complete(this, ok, reason);
    }

    private void closeChannels() {
        if (key != null) {
            key.cancel();
        }
        if (tcp != null) {
            try {
                if (tcp.isOpen()) {
                    // RST instead of FIN: no TIME_WAIT on the LB, and a TCP probe sends no data at all.
                    tcp.setOption(StandardSocketOptions.SO_LINGER, 0);
                }
            } catch (final IOException e) {
                // The socket is already unusable; closing it is all that is left.
            }
            try {
                tcp.close();
            } catch (final IOException e) {
                // Nothing to recover: the probe is over.
            }
        }
        if (udp != null) {
            try {
                udp.close();
            } catch (final IOException e) {
                // Nothing to recover: the probe is over.
            }
        }
    }

    private static String describe(final IOException e) {
        if (e instanceof SSLException) {
            return "TLS: " + e.getMessage();
        }
        final String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message.toLowerCase();
    }

    /** One TLS context for all probes; backend certificates are not verified (liveness, not identity). */
    private static final class TlsContext {
        static final SSLContext CONTEXT = create();

        private static SSLContext create() {
            try {
                final SSLContext context = SSLContext.getInstance("TLS");
                final TrustManager trustAll = new X509TrustManager() {
                    @Override
                    public void checkClientTrusted(final X509Certificate[] chain, final String authType) {
                    }

                    @Override
                    public void checkServerTrusted(final X509Certificate[] chain, final String authType) {
                    }

                    @Override
                    public X509Certificate[] getAcceptedIssuers() {
                        return new X509Certificate[0];
                    }
                };
                context.init(null, new TrustManager[] {trustAll}, null);
                return context;
            } catch (final GeneralSecurityException e) {
                throw new IllegalStateException("TLS is part of every JDK", e);
            }
        }
    }
}
