package io.fulcrum.systest;

import static io.fulcrum.systest.L4Lab.CLIENT;
import static io.fulcrum.systest.L4Lab.LOCAL;
import static io.fulcrum.systest.L4Lab.VIP;
import static io.fulcrum.systest.L4Lab.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FULLNAT through the real binary in the namespace lab, with real clients: curl and a Python client to two
 * backends (which see Fulcrum's local address as the source), bulk TCP with checksummed data, UDP, the TOA
 * option captured at the backends with the exact client address and port on the handshake-completing ACK, a
 * forged client TOA that does not get through, 10 000 short connections without a failure, and idle expiry
 * that resets both sides; per-listener and per-backend counters in {@code fulcrum stats} and
 * {@code fulcrumctl ipvsadm -Ln --stats}.
 */
class L4FullNatTest {
    private static final String CONFIG = """
        node: {name: l4-fullnat, run-dir: RUN_DIR}
        dataplane:
          io: auto
          agents: 1
          interfaces:
            - {name: cli0, addresses: [198.18.0.100/24]}
            - {name: srv0, addresses: [198.18.1.100/24]}
          neighbours: {reachable-time: 300}
          local-addresses: [{address: 198.18.1.100, ports: "10000-60999"}]
          flow-table: {capacity: 1048576}
        listeners:
          - {name: web, protocol: tcp, vip: 198.18.0.100, port: 80, mode: fullnat, group: web, toa: {kind: 254}}
          - {name: idle, protocol: tcp, vip: 198.18.0.100, port: 81, mode: fullnat, group: web,
             timeouts: {idle: 10, reset-on-expiry: true}}
          - {name: udp, protocol: udp, vip: 198.18.0.100, port: 7, mode: fullnat, group: udp}
        backend-groups:
          - name: web
            scheduler: rr
            backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
            health-check: {type: tcp, interval: 2, timeout: 1, healthy-threshold: 1}
          - name: udp
            scheduler: rr
            backends: [{address: 198.18.1.11, port: 7}, {address: 198.18.1.12, port: 7}]
        """;

    private static L4Lab lab;

    @BeforeAll
    static void up() throws Exception {
        lab = L4Lab.up("fullnat");
        lab.startFulcrum(CONFIG);
        // Health checks bring the backends up (healthy threshold 1, interval 2 s).
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            final Lab.Result r = lab.lab().exec("client", Duration.ofSeconds(5), "curl", "-s", "-m", "2", "http://" + VIP + "/");
            if (r.ok() && r.stdout().startsWith("b")) {
                break;
            }
            Thread.sleep(300);
        }
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void curlReachesBothBackendsWhichSeeTheLocalAddress() throws Exception {
        lab.dumpOnFailure(() -> {
            final Set<String> backends = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                final Lab.Result r = lab.lab().exec("client", Duration.ofSeconds(10), "curl", "-s", "-m", "5",
                    "http://" + VIP + "/");
                assertThat(r.ok()).as(r.toString()).isTrue();
                assertThat(r.stdout()).matches("b[12] " + LOCAL.replace(".", "\\.") + ":[0-9]+\\n");
                backends.add(r.stdout().substring(0, 2));
            }
            assertThat(backends).containsExactlyInAnyOrder("b1", "b2");
            // The per-listener and per-backend counters the agent keeps, through the counters file and the control plane.
            final String stats = lab.fulcrum().stats();
            assertThat(counter(stats, "agent-0 listener web conns")).as(stats).isGreaterThanOrEqualTo(6);
            assertThat(counter(stats, "agent-0 listener web in-packets")).as(stats).isGreaterThanOrEqualTo(6 * 3);
            assertThat(counter(stats, "agent-0 listener web out-bytes")).as(stats).isPositive();
            assertThat(counter(stats, "agent-0 backend web/198.18.1.11:80 conns")).as(stats).isPositive();
            final Path runDir = lab.work().resolve("run");
            final Lab.Result ipvs = Lab.run(Duration.ofSeconds(60), Lab.root().resolve("bin/fulcrumctl").toString(),
                "--run-dir", runDir.toString(), "ipvsadm", "-Ln", "--stats", "--exact");
            assertThat(ipvs.ok()).as(ipvs.toString()).isTrue();
            final long[] web = ipvsStats(ipvs.stdout(), "TCP  " + VIP + ":80");
            assertThat(web[0]).as(ipvs.stdout()).isGreaterThanOrEqualTo(6);
            assertThat(web[1]).as(ipvs.stdout()).isGreaterThanOrEqualTo(6 * 3);
            assertThat(web[2]).as(ipvs.stdout()).isGreaterThanOrEqualTo(6 * 2);
            for (final String backend : List.of("198.18.1.11:80", "198.18.1.12:80")) {
                final long[] b = ipvsStats(ipvs.stdout(), "  -> " + backend);
                assertThat(b[0]).as(ipvs.stdout()).isPositive();
                assertThat(b[1]).as(ipvs.stdout()).isPositive();
                assertThat(b[4]).as(ipvs.stdout()).isPositive();
            }
        });
    }

    /**
     * Live flows through the control plane: with a held TCP connection and a UDP exchange in flight,
     * {@code fulcrumctl ipvsadm -Lnc} prints them in ipvsadm's columns, {@code fulcrumctl conns} lists them with their
     * listener and filters by listener, backend and client (an unknown listener is refused with the reason), and
     * {@code fulcrum conns} reads the same flow files from outside.
     */
    @Test
    void connsAndIpvsadmLncListTheLiveFlows() throws Exception {
        lab.dumpOnFailure(() -> {
            final Process held = lab.startBackground("client", "python3", L4Lab.peer().toString(), "hold", VIP, "80", "20");
            try {
                assertThat(lab.client(Duration.ofSeconds(10), "udp", VIP, "7")).isNotEmpty();
                final java.util.regex.Pattern tcpLine = java.util.regex.Pattern.compile("(?m)^TCP [0-9]{2}:[0-9]{2}  "
                    + "ESTABLISHED (198\\.18\\.0\\.2:([0-9]+)) +198\\.18\\.0\\.100:80 +(198\\.18\\.1\\.1[12]:80)$");
                final java.util.regex.Pattern udpLine = java.util.regex.Pattern.compile("(?m)^UDP [0-9]{2}:[0-9]{2}  "
                    + "UDP {9}198\\.18\\.0\\.2:[0-9]+ +198\\.18\\.0\\.100:7 +198\\.18\\.1\\.1[12]:7$");
                String lnc = "";
                java.util.regex.Matcher tcp = null;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline) {
                    final Lab.Result r = ctl("ipvsadm", "-Lnc");
                    assertThat(r.ok()).as(r.toString()).isTrue();
                    lnc = r.stdout();
                    tcp = tcpLine.matcher(lnc);
                    if (tcp.find() && udpLine.matcher(lnc).find()) {
                        break;
                    }
                    tcp = null;
                    Thread.sleep(200);
                }
                assertThat(tcp).as(lnc).isNotNull();
                assertThat(lnc).startsWith("IPVS connection entries\n"
                    + "pro expire state       source             virtual            destination\n");
                final String client = tcp.group(1);
                final String backend = tcp.group(3);

                final Lab.Result web = ctl("conns", "--listener", "web");
                assertThat(web.ok()).as(web.toString()).isTrue();
                assertThat(web.stdout()).containsPattern("ESTABLISHED +" + java.util.regex.Pattern.quote(client) + " +"
                    + "198\\.18\\.0\\.100:80 +" + java.util.regex.Pattern.quote(backend) + " +web")
                    .doesNotContain(":7 ");
                final Lab.Result udp = ctl("conns", "--listener", "udp");
                assertThat(udp.stdout()).as(udp.toString()).containsPattern("UDP +198\\.18\\.0\\.2:[0-9]+ +198\\.18\\.0\\.100:7 ")
                    .doesNotContain("ESTABLISHED");
                final Lab.Result one = ctl("conns", "--client", client);
                assertThat(one.stdout().lines().filter(l -> l.contains(client)).count()).as(one.toString()).isEqualTo(1);
                final Lab.Result byBackend = ctl("conns", "--backend", backend, "--listener", "web");
                assertThat(byBackend.stdout()).as(byBackend.toString()).contains(client)
                    .doesNotContain(backend.endsWith("11:80") ? "198.18.1.12:80" : "198.18.1.11:80");
                final Lab.Result unknown = ctl("conns", "--listener", "nosuch");
                assertThat(unknown.ok()).as(unknown.toString()).isFalse();
                assertThat(unknown.stdout() + unknown.stderr()).contains("unknown listener 'nosuch'");

                final Lab.Result outside = Lab.run(Duration.ofSeconds(30), Lab.root().resolve("bin/fulcrum").toString(),
                    "conns", "--run-dir", lab.work().resolve("run").toString(), "--vip", VIP + ":80", "--state", "ESTABLISHED");
                assertThat(outside.stdout()).as(outside.toString()).contains(client).contains(backend);
            } finally {
                held.destroyForcibly();
            }
        });
    }

    private static Lab.Result ctl(final String... args) {
        final List<String> command = new java.util.ArrayList<>(List.of(Lab.root().resolve("bin/fulcrumctl").toString(),
            "--run-dir", lab.work().resolve("run").toString()));
        command.addAll(List.of(args));
        return Lab.run(Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    /** Conns, InPkts, OutPkts, InBytes, OutBytes of the first {@code ipvsadm -Ln --stats --exact} line starting so. */
    private static long[] ipvsStats(final String output, final String prefix) {
        for (final String line : output.split("\n")) {
            if (line.startsWith(prefix + " ")) {
                final String[] t = line.substring(prefix.length()).trim().split("\\s+");
                final long[] values = new long[5];
                for (int i = 0; i < 5; i++) {
                    values[i] = Long.parseLong(t[i]);
                }
                return values;
            }
        }
        throw new AssertionError("no line " + prefix + " in\n" + output);
    }

    @Test
    void bulkTcpArrivesIntactBothWays() throws Exception {
        lab.dumpOnFailure(() -> {
            for (int i = 0; i < 2; i++) {
                assertThat(lab.client(Duration.ofSeconds(60), "echo", VIP, "80", Integer.toString(16 << 20))).isEqualTo("match");
            }
        });
    }

    @Test
    void udpRequestAndResponse() throws Exception {
        lab.dumpOnFailure(() -> assertThat(lab.client(Duration.ofSeconds(10), "udp", VIP, "7"))
            .matches("b[12] " + LOCAL.replace(".", "\\.") + ":[0-9]+"));
    }

    @Test
    void toaCarriesTheClientOnTheHandshakeAckAndForgedToaIsStripped() throws Exception {
        lab.dumpOnFailure(() -> {
            final Path[] captures = {lab.work().resolve("b1.pcap"), lab.work().resolve("b2.pcap")};
            final Process[] dumps = new Process[2];
            for (int i = 0; i < 2; i++) {
                dumps[i] = lab.startBackground("b" + (i + 1), "tcpdump", "-i", "eth0", "-U", "-n", "-s", "200", "-w",
                    captures[i].toString(), "tcp port 80 and src host " + LOCAL);
            }
            Thread.sleep(1500);
            final String who1 = lab.client(Duration.ofSeconds(10), "who", VIP, "80");
            final String who2 = lab.client(Duration.ofSeconds(10), "who", VIP, "80");
            final String spoof = lab.client(Duration.ofSeconds(10), "spoof-toa", CLIENT, VIP, "80");
            Thread.sleep(1000);
            for (final Process dump : dumps) {
                dump.destroy();
                dump.waitFor(5, TimeUnit.SECONDS);
            }
            final List<Pcap.Segment> segments = new java.util.ArrayList<>(Pcap.tcpSegments(captures[0]));
            segments.addAll(Pcap.tcpSegments(captures[1]));
            for (final String who : List.of(who1, who2)) {
                final int clientPort = Integer.parseInt(who.substring(0, who.indexOf(' ')));
                final byte[] expected = java.nio.ByteBuffer.allocate(8).put((byte) 254).put((byte) 8)
                    .putShort((short) clientPort).put(java.net.InetAddress.getByName(CLIENT).getAddress()).array();
                // The handshake-completing ACK: ACK only, no payload, carrying the client's address and port.
                assertThat(segments).as("segments from %s", LOCAL).anySatisfy(s -> {
                    assertThat(s.flags()).isEqualTo(0x10);
                    assertThat(s.payloadLength()).isZero();
                    assertThat(s.option(254, 8)).isEqualTo(expected);
                });
            }
            // The forged SYN arrived, with its kind-254 option overwritten: no segment carries 1.2.3.4.
            final int spoofPort = Integer.parseInt(spoof.substring("sent ".length()));
            assertThat(segments).noneSatisfy(s -> assertThat(s.option(254, 8)).isNotNull()
                .satisfies(o -> assertThat(o[4]).isEqualTo((byte) 1)));
            final String stats = lab.fulcrum().stats();
            assertThat(counter(stats, "agent-0 event toa-stripped")).isGreaterThanOrEqualTo(1);
            assertThat(counter(stats, "agent-0 event toa-added")).isGreaterThanOrEqualTo(2);
            assertThat(spoofPort).isPositive();
        });
    }

    @Test
    void tenThousandShortConnectionsWithoutAFailure() throws Exception {
        lab.dumpOnFailure(() -> {
            final String result = lab.client(Duration.ofSeconds(58), "many", VIP, "80", "10000", "50");
            assertThat(result).startsWith("ok=10000 fail=0");
        });
    }

    @Test
    void idleExpiryResetsBothSides() throws Exception {
        lab.dumpOnFailure(() -> {
            final String before = lab.fulcrum().stats();
            assertThat(lab.client(Duration.ofSeconds(40), "idle", VIP, "81", "12")).isEqualTo("reset");
            final String log = Files.readString(lab.idleLog());
            assertThat(log).contains("idle " + LOCAL).contains("reset");
            final String after = lab.fulcrum().stats();
            assertThat(counter(after, "agent-0 event rst-sent") - counter(before, "agent-0 event rst-sent"))
                .isGreaterThanOrEqualTo(2);
        });
    }
}
