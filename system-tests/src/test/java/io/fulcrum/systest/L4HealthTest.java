package io.fulcrum.systest;

import static io.fulcrum.systest.L4Lab.VIP;
import static io.fulcrum.systest.L4Lab.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Health checks, weights, the all-down policy and primary/backup through the real binary in packet mode (FULLNAT)
 * with real backends: a stopped server leaves rotation within {@code interval × unhealthy-threshold + timeout} and
 * no connection fails after that, and it rejoins when restarted; an HTTP check fails on a wrong status class; a UDP
 * check detects a closed port; weight 0 keeps an open connection working while new ones avoid the backend; with
 * every backend down new connections get a RST from Fulcrum (or are dropped with {@code all-down: drop});
 * primary/backup fails over and back.
 *
 * <p>The all-down, HTTP and UDP groups point at backends that DO serve their traffic port and only fail the health
 * check (another port or status class), so a refused or unanswered connection can only be Fulcrum's doing.
 */
class L4HealthTest {
    /** Health-check timing of the groups whose servers the tests stop: interval 1 s, 2 failures, timeout 1 s. */
    private static final long INTERVAL_S = 1;
    private static final long UNHEALTHY_THRESHOLD = 2;
    private static final long TIMEOUT_S = 1;
    private static final long BOUND_MS = (INTERVAL_S * UNHEALTHY_THRESHOLD + TIMEOUT_S) * 1000;
    /** Scheduling and process start-up noise on a shared two-core machine. */
    private static final long SLACK_MS = 1000;
    private static final int FAIL_PORT = 8001;
    private static final int BACKUP_PORT = 8003;
    private static final String CHECK = "{type: tcp, interval: 1, timeout: 1, healthy-threshold: 1, unhealthy-threshold: 2}";
    private static final String CONFIG = """
        node: {name: l4-health, run-dir: RUN_DIR}
        dataplane:
          io: auto
          agents: 1
          interfaces:
            - {name: cli0, addresses: [198.18.0.100/24]}
            - {name: srv0, addresses: [198.18.1.100/24]}
          local-addresses: [{address: 198.18.1.100, ports: "10000-60999"}]
          flow-table: {capacity: 65536}
        listeners:
          - {name: fail, protocol: tcp, vip: 198.18.0.100, port: 8001, mode: fullnat, group: fail}
          - {name: pb, protocol: tcp, vip: 198.18.0.100, port: 8003, mode: fullnat, group: pb}
          - {name: weights, protocol: tcp, vip: 198.18.0.100, port: 80, mode: fullnat, group: weights}
          - {name: http-wrong, protocol: tcp, vip: 198.18.0.100, port: 8021, mode: fullnat, group: http-wrong}
          - {name: http-right, protocol: tcp, vip: 198.18.0.100, port: 8022, mode: fullnat, group: http-right}
          - {name: udp-open, protocol: udp, vip: 198.18.0.100, port: 7, mode: fullnat, group: udp-open}
          - {name: udp-closed, protocol: udp, vip: 198.18.0.100, port: 9007, mode: fullnat, group: udp-closed}
          - {name: down-reset, protocol: tcp, vip: 198.18.0.100, port: 8031, mode: fullnat, group: down-reset}
          - {name: down-drop, protocol: tcp, vip: 198.18.0.100, port: 8032, mode: fullnat, group: down-drop}
        backend-groups:
          - name: fail
            scheduler: rr
            backends: [{address: 198.18.1.11, port: 8001}, {address: 198.18.1.12, port: 8001}]
            health-check: CHECK
          - name: pb
            scheduler: rr
            backends: [{address: 198.18.1.11, port: 8003}, {address: 198.18.1.12, port: 8003, backup: true}]
            health-check: CHECK
          - name: weights
            scheduler: wrr
            drain-timeout: 300
            backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
          - name: http-wrong
            scheduler: rr
            backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
            health-check: {type: http, interval: 1, timeout: 1, healthy-threshold: 1, unhealthy-threshold: 1,
                           path: /health, expected-codes: [3xx, 4xx]}
          - name: http-right
            scheduler: rr
            backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
            health-check: {type: http, interval: 1, timeout: 1, healthy-threshold: 1, unhealthy-threshold: 1,
                           path: /health, expected-codes: [2xx]}
          - name: udp-open
            scheduler: rr
            backends: [{address: 198.18.1.11, port: 7}, {address: 198.18.1.12, port: 7}]
            health-check: {type: udp, interval: 1, timeout: 1, healthy-threshold: 1, unhealthy-threshold: 1}
          - name: udp-closed
            scheduler: rr
            backends: [{address: 198.18.1.11, port: 7}, {address: 198.18.1.12, port: 7}]
            health-check: {type: udp, interval: 1, timeout: 1, healthy-threshold: 1, unhealthy-threshold: 1, port: 9}
          - name: down-reset
            scheduler: rr
            all-down: reset
            backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
            health-check: {type: tcp, interval: 1, timeout: 1, healthy-threshold: 1, unhealthy-threshold: 1, port: 8009}
          - name: down-drop
            scheduler: rr
            all-down: drop
            backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
            health-check: {type: tcp, interval: 1, timeout: 1, healthy-threshold: 1, unhealthy-threshold: 1, port: 8009}
        """.replace("CHECK", CHECK);
    private static final Pattern WATCH = Pattern.compile(
        "ok=(\\d+) fail=(\\d+) last_fail=(none|[0-9.]+) end=([0-9.]+) after=(.*)");

    private static L4Lab lab;
    private static Path runDir;
    /** The killable servers of the fail and pb groups, by "bN:port". */
    private static final Map<String, Process> SERVERS = new TreeMap<>();

    @BeforeAll
    static void up() throws Exception {
        lab = L4Lab.up("health");
        for (final int port : new int[] {FAIL_PORT, BACKUP_PORT}) {
            for (final String backend : new String[] {"b1", "b2"}) {
                serve(backend, port);
            }
        }
        lab.startFulcrum(CONFIG);
        runDir = lab.work().resolve("run");
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    /** Starts (or restarts) the peer server of {@code backend} on TCP {@code port} (UDP port + 1000). */
    private static void serve(final String backend, final int port) throws IOException {
        final Process server = lab.startBackground(backend, "python3", L4Lab.peer().toString(), "serve", backend,
            Integer.toString(port), Integer.toString(port + 1000), lab.idleLog().toString());
        final BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).as(backend + " server on " + port).isEqualTo("ready");
        SERVERS.put(backend + ":" + port, server);
    }

    /** Stops a server as a crash would (SIGKILL): its port refuses connections from now on. */
    private static void kill(final String backend, final int port) throws InterruptedException {
        final Process server = SERVERS.remove(backend + ":" + port);
        server.destroyForcibly();
        assertThat(server.waitFor(5, TimeUnit.SECONDS)).as("server stopped").isTrue();
    }

    private static Lab.Result ctl(final String... args) {
        // FULCRUM_NO_BUILD: never rebuild the distribution under the running node
        final String[] command = new String[args.length + 4];
        command[0] = "env";
        command[1] = "FULCRUM_NO_BUILD=1";
        command[2] = Lab.root().resolve("bin/fulcrumctl").toString();
        command[3] = "--run-dir=" + runDir;
        System.arraycopy(args, 0, command, 4, args.length);
        final Lab.Result result = Lab.run(Duration.ofSeconds(60), command);
        assertThat(result.ok()).as(result.toString()).isTrue();
        return result;
    }

    /** "H healthy, U unhealthy" of a group as {@code fulcrumctl status} shows it. */
    private static String groupHealth(final String status, final String group) {
        final Matcher m = Pattern.compile("group " + Pattern.quote(group) + " \\([^)]*\\): (\\d+ healthy, \\d+ unhealthy)")
            .matcher(status);
        return m.find() ? m.group(1) : "(group " + group + " not in status)";
    }

    /** Polls {@code fulcrumctl status} until every group has its expected health, or the deadline. */
    private static String awaitHealth(final Duration timeout, final Map<String, String> expected) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        String status = ctl("status").stdout();
        while (System.nanoTime() < deadline) {
            final String now = status;
            if (expected.entrySet().stream().allMatch(e -> groupHealth(now, e.getKey()).equals(e.getValue()))) {
                return status;
            }
            Thread.sleep(300);
            status = ctl("status").stdout();
        }
        return status;
    }

    /** The backend names answering {@code connections} WHO connections in a row. */
    private static Set<String> backendsSeen(final int port, final int connections) {
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < connections; i++) {
            final String who = lab.client(Duration.ofSeconds(10), "who", VIP, Integer.toString(port));
            seen.add(who.substring(who.indexOf(' ') + 1, who.indexOf(' ') + 3));
        }
        return seen;
    }

    /** Polls with WHO connections until {@code backend} answers; returns the milliseconds it took, or -1. */
    private static long awaitBackend(final int port, final String backend, final Duration timeout) throws InterruptedException {
        final long start = System.nanoTime();
        final long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            final Lab.Result r = lab.lab().exec("client", Duration.ofSeconds(5), "python3", L4Lab.peer().toString(), "who", VIP,
                Integer.toString(port));
            if (r.ok() && r.stdout().contains(" " + backend + " ")) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
            Thread.sleep(100);
        }
        return -1;
    }

    /** Output of a peer {@code watch} run, parsed. */
    private record Watch(long ok, long fail, long lastFailMs, long endMs, Map<String, Long> after, String line) {
        static Watch parse(final String line) {
            final Matcher m = WATCH.matcher(line == null ? "" : line.trim());
            assertThat(m.matches()).as("watch output '%s'", line).isTrue();
            final Map<String, Long> after = new TreeMap<>();
            for (final String part : m.group(5).split(",")) {
                if (!part.isEmpty()) {
                    after.put(part.substring(0, part.indexOf(':')), Long.parseLong(part.substring(part.indexOf(':') + 1)));
                }
            }
            return new Watch(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                m.group(3).equals("none") ? -1 : epochMs(m.group(3)), epochMs(m.group(4)), after, line);
        }

        private static long epochMs(final String seconds) {
            return Math.round(Double.parseDouble(seconds) * 1000);
        }
    }

    /**
     * Kills {@code backend}'s server on {@code port} while a client loop runs through the VIP, and returns the loop's
     * outcome and the kill time (epoch ms).
     */
    private static Watch killUnderLoad(final String backend, final int port, final long[] killedAtMs) throws Exception {
        final long loopS = (BOUND_MS + SLACK_MS) / 1000 + 5;
        final Process loop = lab.startBackground("client", "python3", L4Lab.peer().toString(), "watch", VIP,
            Integer.toString(port), Long.toString(loopS));
        Thread.sleep(1000);
        killedAtMs[0] = System.currentTimeMillis();
        kill(backend, port);
        assertThat(loop.waitFor(loopS + 30, TimeUnit.SECONDS)).as("client loop finished").isTrue();
        return Watch.parse(new BufferedReader(new InputStreamReader(loop.getInputStream(), StandardCharsets.UTF_8)).readLine());
    }

    @Test
    void stoppedServerLeavesRotationWithinTheBoundAndRejoinsWhenRestarted() throws Exception {
        lab.dumpOnFailure(() -> {
            assertThat(awaitBackend(FAIL_PORT, "b1", Duration.ofSeconds(10))).as("b1 serves").isNotNegative();
            assertThat(awaitBackend(FAIL_PORT, "b2", Duration.ofSeconds(10))).as("b2 serves").isNotNegative();
            final long[] killedAt = new long[1];
            final Watch watch = killUnderLoad("b1", FAIL_PORT, killedAt);
            // The loop did hit the dead server (so the test can fail) ...
            assertThat(watch.fail()).as("failures while b1 was still in rotation: %s", watch.line()).isPositive();
            // ... but not after interval x unhealthy-threshold + timeout: then b1 is out of rotation.
            assertThat(watch.lastFailMs() - killedAt[0]).as("last failure after the kill (ms): %s", watch.line())
                .isLessThanOrEqualTo(BOUND_MS + SLACK_MS);
            // After the bound the loop ran on for seconds without a single failure, all to b2.
            assertThat(watch.endMs() - (killedAt[0] + BOUND_MS + SLACK_MS)).as("loop time after the bound: %s", watch.line())
                .isGreaterThanOrEqualTo(3000);
            assertThat(watch.after().keySet()).as(watch.line()).containsExactly("b2");
            assertThat(watch.after().get("b2")).as(watch.line()).isGreaterThan(50);
            assertThat(groupHealth(ctl("status").stdout(), "fail")).isEqualTo("1 healthy, 1 unhealthy");
            System.out.println("stopped server: last failure " + (watch.lastFailMs() - killedAt[0]) + " ms after the kill (bound "
                + BOUND_MS + " ms): " + watch.line());

            // restart: b1 rejoins after healthy-threshold (1) successful probes, and the loop fails nothing
            serve("b1", FAIL_PORT);
            final long rejoinMs = awaitBackend(FAIL_PORT, "b1", Duration.ofSeconds(10));
            assertThat(rejoinMs).as("b1 rejoined (ms after restart)").isBetween(0L, INTERVAL_S * 1000 + TIMEOUT_S * 1000
                + SLACK_MS * 2);
            final String after = lab.client(Duration.ofSeconds(30), "watch", VIP, Integer.toString(FAIL_PORT), "2");
            final Watch rejoined = Watch.parse(after);
            assertThat(rejoined.fail()).as(after).isZero();
            assertThat(rejoined.after().keySet()).as(after).containsExactly("b1", "b2");
            System.out.println("restarted server: rejoined after " + rejoinMs + " ms; then " + after);
        });
    }

    @Test
    void primaryBackupFailsOverAndBack() throws Exception {
        lab.dumpOnFailure(() -> {
            assertThat(awaitBackend(BACKUP_PORT, "b1", Duration.ofSeconds(10))).as("primary serves").isNotNegative();
            assertThat(backendsSeen(BACKUP_PORT, 6)).as("only the primary while it is up").containsExactly("b1");

            final long[] killedAt = new long[1];
            final Watch watch = killUnderLoad("b1", BACKUP_PORT, killedAt);
            assertThat(watch.fail()).as(watch.line()).isPositive();
            assertThat(watch.lastFailMs() - killedAt[0]).as("failover (ms after the kill): %s", watch.line())
                .isLessThanOrEqualTo(BOUND_MS + SLACK_MS);
            assertThat(watch.after().keySet()).as("the backup serves: %s", watch.line()).containsExactly("b2");
            assertThat(watch.after().get("b2")).as(watch.line()).isGreaterThan(50);
            System.out.println("failover: last failure " + (watch.lastFailMs() - killedAt[0]) + " ms after the kill: "
                + watch.line());

            serve("b1", BACKUP_PORT);
            assertThat(awaitBackend(BACKUP_PORT, "b1", Duration.ofSeconds(10))).as("failback to the primary").isNotNegative();
            assertThat(backendsSeen(BACKUP_PORT, 6)).as("only the primary again").containsExactly("b1");
        });
    }

    @Test
    void weightZeroKeepsAnOpenConnectionWhileNewOnesAvoidTheBackend() throws Exception {
        lab.dumpOnFailure(() -> {
            assertThat(backendsSeen(80, 4)).containsExactlyInAnyOrder("b1", "b2");
            final Process held = lab.startBackground("client", "python3", L4Lab.peer().toString(), "hold", VIP, "80", "8");
            final BufferedReader heldOut = new BufferedReader(new InputStreamReader(held.getInputStream(),
                StandardCharsets.UTF_8));
            final String via = heldOut.readLine();
            assertThat(via).as("held connection").matches("via b[12]");
            final String heldBackend = via.substring(4);
            final String other = heldBackend.equals("b1") ? "b2" : "b1";
            final String address = heldBackend.equals("b1") ? "198.18.1.11:80" : "198.18.1.12:80";
            final long changedAtMs = System.currentTimeMillis();
            ctl("weight", "weights", address, "0");
            try {
                assertThat(backendsSeen(80, 8)).as("new connections after weight 0").containsExactly(other);
                assertThat(held.waitFor(30, TimeUnit.SECONDS)).isTrue();
                final String outcome = heldOut.readLine();
                final Matcher m = Pattern.compile("held exchanges=(\\d+) last=([0-9.]+)").matcher(outcome == null ? "" : outcome);
                assertThat(m.matches()).as("connection held across weight 0: %s", outcome).isTrue();
                assertThat(Math.round(Double.parseDouble(m.group(2)) * 1000) - changedAtMs)
                    .as("the held connection exchanged data well after the change").isGreaterThan(3000);
            } finally {
                ctl("weight", "weights", address, "100");
            }
        });
    }

    @Test
    void httpCheckFailsOnAWrongStatusClass() throws Exception {
        lab.dumpOnFailure(() -> {
            final String status = awaitHealth(Duration.ofSeconds(10), Map.of("http-wrong", "0 healthy, 2 unhealthy",
                "http-right", "2 healthy, 0 unhealthy"));
            assertThat(groupHealth(status, "http-wrong")).as(status).isEqualTo("0 healthy, 2 unhealthy");
            assertThat(groupHealth(status, "http-right")).as(status).isEqualTo("2 healthy, 0 unhealthy");
            // the last result and the failure reason of each backend are shown too
            assertThat(status).contains("failed: HTTP 200 not in").contains("ok (");
            // the same servers answer 200 through the group that expects 2xx, and are refused through the other
            assertThat(backendsSeen(8022, 4)).containsExactlyInAnyOrder("b1", "b2");
            assertThat(lab.client(Duration.ofSeconds(20), "attempts", VIP, "8021", "3", "2")).startsWith("ok=0 refused=3 ");
        });
    }

    @Test
    void udpCheckDetectsAClosedPort() throws Exception {
        lab.dumpOnFailure(() -> {
            final String status = awaitHealth(Duration.ofSeconds(10), Map.of("udp-closed", "0 healthy, 2 unhealthy",
                "udp-open", "2 healthy, 0 unhealthy"));
            assertThat(groupHealth(status, "udp-closed")).as(status).isEqualTo("0 healthy, 2 unhealthy");
            assertThat(groupHealth(status, "udp-open")).as(status).isEqualTo("2 healthy, 0 unhealthy");
            assertThat(lab.client(Duration.ofSeconds(10), "udp", VIP, "7")).matches("b[12] .*");
            // the backends' port 7 serves, but the group's check port 9 is closed: no backend, the datagram is dropped
            final Lab.Result closed = lab.lab().exec("client", Duration.ofSeconds(10), "python3", L4Lab.peer().toString(),
                "udp", VIP, "9007");
            assertThat(closed.ok()).as(closed.toString()).isFalse();
            assertThat(closed.stderr()).as(closed.toString()).contains("timed out");
        });
    }

    @Test
    void allBackendsDownResetsNewConnectionsOrDropsThem() throws Exception {
        lab.dumpOnFailure(() -> {
            final String status = awaitHealth(Duration.ofSeconds(10), Map.of("down-reset", "0 healthy, 2 unhealthy",
                "down-drop", "0 healthy, 2 unhealthy"));
            assertThat(groupHealth(status, "down-reset")).as(status).isEqualTo("0 healthy, 2 unhealthy");
            final String before = lab.fulcrum().stats();
            // the backends do serve port 80: a refusal can only be Fulcrum's RST, and it comes at once
            final String reset = lab.client(Duration.ofSeconds(30), "attempts", VIP, "8031", "10", "2");
            final Matcher r = Pattern.compile("ok=0 refused=10 reset=0 timeout=0 other=0 max_ms=(\\d+)").matcher(reset);
            assertThat(r.matches()).as(reset).isTrue();
            assertThat(Long.parseLong(r.group(1))).as("a RST, not a timeout").isLessThan(1000);
            final String after = lab.fulcrum().stats();
            assertThat(counter(after, "agent-0 event rst-sent") - counter(before, "agent-0 event rst-sent"))
                .as("RSTs sent by Fulcrum").isGreaterThanOrEqualTo(10);
            // all-down: drop: the SYNs go unanswered, counted as no-backend drops
            final String dropped = lab.client(Duration.ofSeconds(30), "attempts", VIP, "8032", "2", "2");
            assertThat(dropped).startsWith("ok=0 refused=0 reset=0 timeout=2 ");
            assertThat(counter(lab.fulcrum().stats(), "agent-0 drop no-backend") - counter(after, "agent-0 drop no-backend"))
                .as("SYNs dropped for want of a backend").isGreaterThanOrEqualTo(2);
            System.out.println("all-down: reset " + reset + "; drop " + dropped);
        });
    }
}
