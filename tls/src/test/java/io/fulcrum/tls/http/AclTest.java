package io.fulcrum.tls.http;

import io.fulcrum.tls.AclSettings;
import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.HttpStage;
import io.fulcrum.tls.HttpStageOptions;
import io.fulcrum.tls.L4ListenerSettings;
import io.fulcrum.tls.ProxyProtocolVersion;
import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.testing.RawHttp;
import io.fulcrum.tls.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Listener ACLs in the L7/proxy stage: decided on the peer address at accept, before anything is read; a denied
 * connection is closed without an answer and counted, and its bytes never reach a backend.
 */
class AclTest {
    private static final InetAddress LO = InetAddress.getLoopbackAddress();
    private static final String GET = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";

    /** Sends a request and reads until the server closes; "" when it closed without a byte. */
    private static String exchange(InetSocketAddress to, String request) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(to, 2000);
            s.setSoTimeout(3000);
            try {
                s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            } catch (java.net.SocketException closedFirst) {
                return "";
            }
            return RawHttp.readAll(s.getInputStream(), 3000);
        }
    }

    @Test
    void httpListenerClosesDeniedPeersAndServesAdmittedOnes() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture allowOthers = ProxyFixture.start(ProxyFixture.group("g", b),
                     s -> s.withAcl(new AclSettings(AclSettings.Mode.ALLOW, List.of("10.0.0.0/8", "::1/128"))));
             ProxyFixture denyOthers = ProxyFixture.start(ProxyFixture.group("g", b),
                     s -> s.withAcl(new AclSettings(AclSettings.Mode.DENY, List.of("192.0.2.0/24"))));
             ProxyFixture denyUs = ProxyFixture.start(ProxyFixture.group("g", b),
                     s -> s.withAcl(new AclSettings(AclSettings.Mode.DENY, List.of("127.0.0.0/8"))))) {
            assertThat(exchange(allowOthers.address, GET)).isEmpty();
            assertThat(exchange(denyUs.address, GET)).isEmpty();
            assertThat(b.count()).as("denied requests never reach a backend").isZero();
            assertThat(allowOthers.stage.listenerCounters().get("web").get(ListenerCounters.Counter.ACL_DENIED)).isEqualTo(1);
            assertThat(denyUs.stage.listenerCounters().get("web").get(ListenerCounters.Counter.ACL_DENIED)).isEqualTo(1);
            assertThat(denyUs.stage.listenerCounters().get("web").get(ListenerCounters.Counter.BYTES_IN))
                    .as("nothing was read from the denied connection").isZero();

            assertThat(RawHttp.status(exchange(denyOthers.address, GET))).isEqualTo(200);
            assertThat(b.count()).isEqualTo(1);
            assertThat(denyOthers.stage.listenerCounters().get("web").get(ListenerCounters.Counter.ACL_DENIED)).isZero();
        }
    }

    @Test
    void proxyModeTcpAndUdpListenersApplyTheAcl() throws Exception {
        try (ServerSocket tcpBackend = new ServerSocket(0, 8, LO);
             DatagramSocket udpBackend = new DatagramSocket(0, LO);
             DatagramSocket client = new DatagramSocket(0, LO)) {
            tcpBackend.setSoTimeout(500);
            udpBackend.setSoTimeout(500);
            final AclSettings denyLoopback = new AclSettings(AclSettings.Mode.DENY, List.of("127.0.0.0/8"));
            final L4ListenerSettings tcp = new L4ListenerSettings("tcp", L4ListenerSettings.Protocol.TCP,
                    new InetSocketAddress(LO, 0), new BackendGroupSettings("t", List.of(Backend.of(
                    new InetSocketAddress(LO, tcpBackend.getLocalPort())))), ProxyProtocolVersion.NONE,
                    Duration.ofSeconds(10), null, false, null, denyLoopback);
            final L4ListenerSettings udp = new L4ListenerSettings("udp", L4ListenerSettings.Protocol.UDP,
                    new InetSocketAddress(LO, 0), new BackendGroupSettings("u", List.of(Backend.of(
                    new InetSocketAddress(LO, udpBackend.getLocalPort())))), ProxyProtocolVersion.NONE,
                    Duration.ofSeconds(10), null, false, null, denyLoopback);
            try (HttpStage stage = HttpStage.start(List.of(), List.of(tcp, udp), HttpStageOptions.defaults().withThreads(1))) {
                try (Socket s = new Socket()) {
                    s.connect(stage.boundAddress("tcp"), 2000);
                    s.setSoTimeout(3000);
                    final InputStream in = s.getInputStream();
                    assertThat(in.read()).as("closed at once").isEqualTo(-1);
                }
                try (Socket unexpected = tcpBackend.accept()) {
                    throw new AssertionError("the backend was connected for a denied client: " + unexpected);
                } catch (SocketTimeoutException expected) {
                    // no backend connection
                }
                client.send(new DatagramPacket("ping".getBytes(StandardCharsets.US_ASCII), 4, stage.boundAddress("udp")));
                client.send(new DatagramPacket("ping".getBytes(StandardCharsets.US_ASCII), 4, stage.boundAddress("udp")));
                try {
                    udpBackend.receive(new DatagramPacket(new byte[64], 64));
                    throw new AssertionError("a denied datagram reached the backend");
                } catch (SocketTimeoutException expected) {
                    // dropped
                }
                final ListenerCounters t = stage.listenerCounters().get("tcp");
                final ListenerCounters u = stage.listenerCounters().get("udp");
                assertThat(t.get(ListenerCounters.Counter.ACL_DENIED)).isEqualTo(1);
                assertThat(t.get(ListenerCounters.Counter.CONNECTIONS_ACCEPTED)).isZero();
                assertThat(u.get(ListenerCounters.Counter.ACL_DENIED)).isEqualTo(2);
                assertThat(u.get(ListenerCounters.Counter.UDP_SESSIONS)).isZero();
            }
        }
    }
}
