package io.fulcrum.tls.l4;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.HttpStage;
import io.fulcrum.tls.HttpStageOptions;
import io.fulcrum.tls.L4ListenerSettings;
import io.fulcrum.tls.ProxyProtocolVersion;
import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.proxy.ProxyHeaderDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Proxy-mode L4 listeners: TCP relay with PROXY v1/v2 parsed by a test backend, UDP sessions with PROXY v2. */
class L4RelayTest {
    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    /** A TCP backend that reads a PROXY header (v1 line or v2 block), then echoes one line prefixed by the source. */
    private static CompletableFuture<String> proxyEchoBackend(ServerSocket server, int version) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                s.setSoTimeout(5000);
                final InputStream in = s.getInputStream();
                final byte[] head;
                if (version == 1) {
                    final StringBuilder line = new StringBuilder();
                    int c;
                    while ((c = in.read()) != '\n') {
                        line.append((char) c);
                    }
                    head = (line + "\n").getBytes(StandardCharsets.US_ASCII);
                } else {
                    final byte[] fixed = new DataInputStream(in).readNBytes(16);
                    final int len = ((fixed[14] & 0xFF) << 8) | (fixed[15] & 0xFF);
                    final byte[] rest = new DataInputStream(in).readNBytes(len);
                    head = new byte[16 + len];
                    System.arraycopy(fixed, 0, head, 0, 16);
                    System.arraycopy(rest, 0, head, 16, len);
                }
                final ByteBuf b = Unpooled.wrappedBuffer(head);
                final ProxyHeaderDecoder d = new ProxyHeaderDecoder();
                final int r = d.decode(b);
                final byte[] payload = in.readNBytes(5);
                s.getOutputStream().write(("from " + d.source + " " + new String(payload, StandardCharsets.US_ASCII))
                        .getBytes(StandardCharsets.US_ASCII));
                return r == ProxyHeaderDecoder.DONE ? "v" + d.version + " " + d.source + " -> " + d.destination
                        : "error " + r;
            } catch (java.io.IOException e) {
                return "io " + e;
            }
        });
    }

    private static String tcpRoundTrip(InetSocketAddress to) throws Exception {
        try (Socket c = new Socket()) {
            c.connect(to, 2000);
            c.setSoTimeout(5000);
            c.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            c.shutdownOutput();
            return new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void tcpRelaySendsProxyV1AndV2() throws Exception {
        for (ProxyProtocolVersion v : List.of(ProxyProtocolVersion.V1, ProxyProtocolVersion.V2)) {
            try (ServerSocket backend = new ServerSocket(0, 8, LO)) {
                final CompletableFuture<String> seen = proxyEchoBackend(backend, v == ProxyProtocolVersion.V1 ? 1 : 2);
                final BackendGroupSettings g = new BackendGroupSettings("g", List.of(
                        Backend.of(new InetSocketAddress(LO, backend.getLocalPort()))));
                final L4ListenerSettings l = new L4ListenerSettings("tcp", L4ListenerSettings.Protocol.TCP,
                        new InetSocketAddress("127.0.0.1", 0), g, v, Duration.ofSeconds(10), null);
                try (HttpStage stage = HttpStage.start(List.of(), List.of(l), HttpStageOptions.defaults().withThreads(1))) {
                    final InetSocketAddress at = stage.boundAddress("tcp");
                    final String reply = tcpRoundTrip(at);
                    assertThat(reply).startsWith("from /127.0.0.1:").endsWith(" hello");
                    final String header = seen.get(5, TimeUnit.SECONDS);
                    assertThat(header).startsWith("v" + (v == ProxyProtocolVersion.V1 ? 1 : 2) + " /127.0.0.1:")
                            .endsWith("-> /127.0.0.1:" + at.getPort());
                }
            }
        }
    }

    @Test
    void tcpRelayWithoutBackendResetsClient() throws Exception {
        final int dead;
        try (ServerSocket s = new ServerSocket(0, 1, LO)) {
            dead = s.getLocalPort();
        }
        final BackendGroupSettings g = new BackendGroupSettings("g", List.of(Backend.of(new InetSocketAddress(LO, dead))));
        final L4ListenerSettings l = new L4ListenerSettings("tcp", L4ListenerSettings.Protocol.TCP,
                new InetSocketAddress("127.0.0.1", 0), g, ProxyProtocolVersion.NONE, Duration.ofSeconds(10), null);
        try (HttpStage stage = HttpStage.start(List.of(), List.of(l), HttpStageOptions.defaults().withThreads(1))) {
            assertThat(tcpRoundTrip(stage.boundAddress("tcp"))).isEmpty();
        } catch (java.net.SocketException expected) {
            assertThat(expected.getMessage()).containsIgnoringCase("reset");
        }
    }

    @Test
    void udpSessionsCarryProxyV2AndExpire() throws Exception {
        try (DatagramSocket backend = new DatagramSocket(0, LO)) {
            backend.setSoTimeout(5000);
            final BackendGroupSettings g = new BackendGroupSettings("g", List.of(
                    Backend.of(new InetSocketAddress(LO, backend.getLocalPort()))));
            final L4ListenerSettings l = new L4ListenerSettings("udp", L4ListenerSettings.Protocol.UDP,
                    new InetSocketAddress("127.0.0.1", 0), g, ProxyProtocolVersion.V2, Duration.ofSeconds(1), null);
            try (HttpStage stage = HttpStage.start(List.of(), List.of(l), HttpStageOptions.defaults().withThreads(1));
                 DatagramSocket client = new DatagramSocket(0, LO)) {
                client.setSoTimeout(5000);
                final InetSocketAddress at = stage.boundAddress("udp");
                for (int i = 0; i < 3; i++) {
                    client.send(new DatagramPacket(("ping" + i).getBytes(StandardCharsets.US_ASCII), 5, at));
                    final DatagramPacket got = new DatagramPacket(new byte[2048], 2048);
                    backend.receive(got);
                    final ByteBuf b = Unpooled.wrappedBuffer(Arrays.copyOf(got.getData(), got.getLength()));
                    final ProxyHeaderDecoder d = new ProxyHeaderDecoder();
                    assertThat(d.decode(b)).isEqualTo(ProxyHeaderDecoder.DONE);
                    assertThat(d.source).isEqualTo(client.getLocalSocketAddress());
                    assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo("ping" + i);
                    assertThat(got.getData()[13]).isEqualTo((byte) 0x12);
                    backend.send(new DatagramPacket(("pong" + i).getBytes(StandardCharsets.US_ASCII), 5,
                            got.getSocketAddress()));
                    final DatagramPacket reply = new DatagramPacket(new byte[64], 64);
                    client.receive(reply);
                    assertThat(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII))
                            .isEqualTo("pong" + i);
                }
                final ListenerCounters c = stage.listenerCounters().get("udp");
                assertThat(c.get(ListenerCounters.Counter.UDP_SESSIONS)).isEqualTo(1);
                final long deadline = System.currentTimeMillis() + 5000;
                while (c.get(ListenerCounters.Counter.CONNECTIONS_ACTIVE) > 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(c.get(ListenerCounters.Counter.CONNECTIONS_ACTIVE)).as("session expired").isZero();
            }
        }
    }
}
