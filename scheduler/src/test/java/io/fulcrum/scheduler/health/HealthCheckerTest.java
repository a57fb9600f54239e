package io.fulcrum.scheduler.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.BackendGroupConfiguration;
import io.fulcrum.scheduler.BackendSpec;
import io.fulcrum.scheduler.Layer;
import io.fulcrum.scheduler.SchedulerAlgorithm;

/** The checker against real servers on loopback; intervals of 1 s keep each test well under 30 s. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HealthCheckerTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private HealthChecker checker;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final HealthListener recorder = (id, up, status) -> events.add(id + (up ? " up" : " down"));

    @BeforeEach
    void start() {
        checker = new HealthChecker("test-health", 2, 1);
    }

    @AfterEach
    void stop() {
        checker.close();
    }

    private static HealthCheckConfiguration fast(final HealthCheckProtocol protocol) {
        return HealthCheckConfiguration.defaults(protocol).withTiming(1, 1, 2, 2);
    }

    private HealthStatus await(final long id, final HealthState state, final long withinMs) throws InterruptedException {
        final long deadline = System.nanoTime() + withinMs * 1_000_000;
        HealthStatus status = checker.status(id);
        while (status.state() != state && System.nanoTime() < deadline) {
            Thread.sleep(10);
            status = checker.status(id);
        }
        assertThat(status.state()).as("target %d after %d ms: %s", id, withinMs, status).isEqualTo(state);
        return status;
    }

    @Test
    void tcpTargetGoesLiveOnFirstSuccessClosesWithRstAndGoesDownWithinTheBound() throws Exception {
        final LoopbackServers.TcpServer server = new LoopbackServers.TcpServer(0);
        final int port = server.port();
        final long added = System.nanoTime();
        checker.addTarget(1, LOOPBACK, port, fast(HealthCheckProtocol.TCP), recorder);
        assertThat(checker.status(1).state()).isEqualTo(HealthState.UNKNOWN);
        await(1, HealthState.UP, 1_500);
        // First probe at a random point of the first interval, and one success is enough for a new target.
        assertThat(System.nanoTime() - added).isLessThan(1_500_000_000L);
        assertThat(events).containsExactly("1 up");
        Thread.sleep(300);
        assertThat(server.endings).isNotEmpty().allMatch("rst"::equals);

        server.close();
        final long closed = System.nanoTime();
        final HealthStatus down = await(1, HealthState.DOWN, 3_500);
        // interval × unhealthy threshold + timeout = 1 × 2 + 1 s.
        assertThat((System.nanoTime() - closed) / 1_000_000).isLessThanOrEqualTo(3_200);
        assertThat(down.consecutiveFailures()).isEqualTo(2);
        assertThat(down.lastFailureReason()).contains("refused");
        assertThat(events).containsExactly("1 up", "1 down");

        try (LoopbackServers.TcpServer again = new LoopbackServers.TcpServer(port)) {
            final HealthStatus up = await(1, HealthState.UP, 3_500);
            assertThat(up.consecutiveSuccesses()).isEqualTo(2);
            assertThat(again.port()).isEqualTo(port);
        }
    }

    @Test
    void httpStatusOutsideTheExpectedClassesFails() throws Exception {
        try (LoopbackServers.HttpServer server = LoopbackServers.HttpServer.plain()) {
            checker.addTarget(2, LOOPBACK, server.port(), fast(HealthCheckProtocol.HTTP).withHttp("GET", "/health", null,
                HealthCheckConfiguration.parseClasses("2xx,3xx")), recorder);
            await(2, HealthState.UP, 1_500);
            assertThat(server.requests.peek()).startsWith("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            server.status.set(500);
            final HealthStatus down = await(2, HealthState.DOWN, 3_500);
            assertThat(down.lastFailureReason()).isEqualTo("HTTP 500 not in 2xx,3xx");
            server.status.set(302);
            await(2, HealthState.UP, 3_500);
        }
    }

    @Test
    void httpHeadWithHostAndSilentServerTimesOut() throws Exception {
        try (LoopbackServers.HttpServer server = LoopbackServers.HttpServer.plain()) {
            server.status.set(-1);
            checker.addTarget(3, LOOPBACK, server.port(), fast(HealthCheckProtocol.HTTP).withHttp("HEAD", "/ping", "app.example",
                HealthCheckConfiguration.CLASS_2XX), recorder);
            final HealthStatus down = await(3, HealthState.DOWN, 4_000);
            assertThat(down.lastFailureReason()).startsWith("timeout after 1000 ms");
            assertThat(server.requests.peek()).startsWith("HEAD /ping HTTP/1.1\r\nHost: app.example\r\n");
            assertThat(events).containsExactly("3 down");
        }
    }

    @Test
    void httpsProbeSpeaksTls(@TempDir final Path dir) throws Exception {
        final Path keystore = dir.resolve("probe.p12");
        final Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "probe", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
            "-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
            "-keypass", "changeit").redirectErrorStream(true).start();
        assertThat(keytool.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).isZero();
        final KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        final SSLServerSocketFactory factory = context.getServerSocketFactory();
        try (LoopbackServers.HttpServer server = new LoopbackServers.HttpServer(factory.createServerSocket(0, 64, LOOPBACK))) {
            checker.addTarget(4, LOOPBACK, server.port(), fast(HealthCheckProtocol.HTTPS), recorder);
            await(4, HealthState.UP, 2_500);
            assertThat(server.requests.peek()).startsWith("GET / HTTP/1.1\r\n");
            server.status.set(404);
            assertThat(await(4, HealthState.DOWN, 3_500).lastFailureReason()).isEqualTo("HTTP 404 not in 2xx,3xx");
        }
    }

    @Test
    void udpClosedPortIsDetectedThroughPortUnreachable() throws Exception {
        final int closedPort;
        try (DatagramSocket probe = new DatagramSocket(0, LOOPBACK)) {
            closedPort = probe.getLocalPort();
        }
        checker.addTarget(5, LOOPBACK, closedPort, fast(HealthCheckProtocol.UDP), recorder);
        final HealthStatus down = await(5, HealthState.DOWN, 3_500);
        assertThat(down.lastFailureReason()).isEqualTo("ICMP port unreachable");

        try (DatagramSocket silent = new DatagramSocket(0, LOOPBACK)) {
            // An open port that never answers is healthy: no ICMP error within the timeout.
            checker.addTarget(6, LOOPBACK, silent.getLocalPort(), fast(HealthCheckProtocol.UDP), recorder);
            await(6, HealthState.UP, 3_000);
        }
    }

    @Test
    void udpRequestAndExpectedAnswer() throws Exception {
        try (DatagramSocket responder = new DatagramSocket(0, LOOPBACK)) {
            Thread.ofPlatform().daemon().start(() -> {
                final byte[] buffer = new byte[512];
                while (!responder.isClosed()) {
                    try {
                        final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                        responder.receive(packet);
                        final String question = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII);
                        final byte[] answer = ("ping".equals(question) ? "pong ok" : "what").getBytes(StandardCharsets.US_ASCII);
                        responder.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                    } catch (final java.io.IOException e) {
                        return;
                    }
                }
            });
            final HealthCheckConfiguration good = fast(HealthCheckProtocol.UDP)
                .withUdp("ping".getBytes(StandardCharsets.US_ASCII), "pong".getBytes(StandardCharsets.US_ASCII), true);
            checker.addTarget(7, LOOPBACK, responder.getLocalPort(), good, recorder);
            await(7, HealthState.UP, 2_500);
            final HealthCheckConfiguration wrong = fast(HealthCheckProtocol.UDP)
                .withUdp("hello".getBytes(StandardCharsets.US_ASCII), "pong".getBytes(StandardCharsets.US_ASCII), false);
            checker.addTarget(8, LOOPBACK, responder.getLocalPort(), wrong, recorder);
            assertThat(await(8, HealthState.DOWN, 3_500).lastFailureReason()).contains("expected bytes");
        }
    }

    @Test
    void probesComeFromTheConfiguredSourceAddress() throws Exception {
        try (LoopbackServers.TcpServer server = new LoopbackServers.TcpServer(0)) {
            final InetAddress source = InetAddress.getByName("127.0.0.2");
            checker.addTarget(9, LOOPBACK, server.port(), fast(HealthCheckProtocol.TCP).withBindAddress(source), recorder);
            await(9, HealthState.UP, 1_500);
            Thread.sleep(100);
            assertThat(server.peers).isNotEmpty().allMatch(source::equals);
        }
    }

    @Test
    void hundredsOfTargetsAreProbedWithoutBlocking() throws Exception {
        final int count = 300;
        try (LoopbackServers.TcpServer server = new LoopbackServers.TcpServer(0)) {
            final int closedPort;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, LOOPBACK)) {
                closedPort = s.getLocalPort();
            }
            for (int i = 0; i < count; i++) {
                checker.addTarget(1000 + i, LOOPBACK, i % 2 == 0 ? server.port() : closedPort, fast(HealthCheckProtocol.TCP),
                    recorder);
            }
            for (int i = 0; i < count; i++) {
                await(1000 + i, i % 2 == 0 ? HealthState.UP : HealthState.DOWN, 4_000);
            }
            checker.removeTarget(1000);
            assertThat(checker.status(1000)).isNull();
        }
    }

    @Test
    void healthChangesPublishNewSnapshots() throws Exception {
        final BackendGroup group = new BackendGroup(
            BackendGroupConfiguration.defaults("web", Layer.L4, SchedulerAlgorithm.WRR, 1), 0);
        try (LoopbackServers.TcpServer server = new LoopbackServers.TcpServer(0)) {
            final int ref = group.add(new BackendSpec(LOOPBACK, server.port(), 100), 0);
            assertThat(group.snapshot().isEligible(ref)).isFalse();
            final BackendSpec spec = group.snapshot().backend(ref & 0xffff).spec();
            checker.addTarget(ref, spec.address(), spec.healthCheckPort(), fast(HealthCheckProtocol.TCP),
                (id, up, status) -> group.setHealthy((int) id, up, status.lastChangeEpochMs()));
            final long deadline = System.nanoTime() + 2_000_000_000L;
            while (!group.snapshot().isEligible(ref) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(group.snapshot().isEligible(ref)).isTrue();
        }
    }

    @Test
    void refusesBadSettings() {
        final HealthCheckConfiguration d = HealthCheckConfiguration.defaults(HealthCheckProtocol.HTTP);
        assertThat(d.effectiveTimeoutMs()).isEqualTo(3000);
        assertThat(d.withTiming(2, 10, 3, 3).effectiveTimeoutMs()).isEqualTo(2000);
        assertThatThrownBy(() -> d.withTiming(51, 3, 3, 3)).hasMessageContaining("interval must be 1-50 s, got 51");
        assertThatThrownBy(() -> d.withTiming(5, 0, 3, 3)).hasMessageContaining("timeout must be 1-300 s");
        assertThatThrownBy(() -> d.withTiming(5, 3, 11, 3)).hasMessageContaining("healthy threshold must be 1-10");
        assertThatThrownBy(() -> d.withTiming(5, 3, 3, 0)).hasMessageContaining("unhealthy threshold must be 1-10");
        assertThatThrownBy(() -> d.withHttp("POST", "/", null, 4)).hasMessageContaining("GET or HEAD");
        assertThatThrownBy(() -> d.withHttp("GET", "health", null, 4)).hasMessageContaining("starting with '/'");
        assertThatThrownBy(() -> d.withHttp("GET", "/" + "a".repeat(80), null, 4)).hasMessageContaining("1-80 characters");
        assertThatThrownBy(() -> d.withHttp("GET", "/a b", null, 4)).hasMessageContaining("not allowed at position 3");
        assertThatThrownBy(() -> d.withHttp("GET", "/", "bad_host", 4)).hasMessageContaining("only letters, digits");
        assertThatThrownBy(() -> HealthCheckConfiguration.parseClasses("2xx,6xx")).hasMessageContaining("got '6xx'");
        assertThatThrownBy(() -> d.withHttp("GET", "/", null, 0)).hasMessageContaining("non-empty set");
        assertThatThrownBy(() -> checker.addTarget(1, LOOPBACK, 0, d, recorder)).hasMessageContaining("port must be 1-65535");
        checker.addTarget(1, LOOPBACK, 9, d, recorder);
        assertThatThrownBy(() -> checker.addTarget(1, LOOPBACK, 9, d, recorder)).hasMessageContaining("already exists");
        assertThatThrownBy(() -> new HealthChecker("x", 0, 1)).hasMessageContaining("ICMP threads must be 1-16");
        assertThat(new InetSocketAddress(LOOPBACK, 9).getPort()).isEqualTo(9);
    }
}
