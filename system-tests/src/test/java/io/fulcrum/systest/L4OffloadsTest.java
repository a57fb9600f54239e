package io.fulcrum.systest;

import static io.fulcrum.systest.L4Lab.VIP;
import static io.fulcrum.systest.L4Lab.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Bulk TCP through the real binary over AF_PACKET when the client and the backends keep veth's default offloads
 * (TSO/GSO and TX checksum offload on, {@code lab.sh --offloads on}): they hand the load balancer 64 KiB GSO
 * super-frames with partial checksums. With the default {@code af-packet-vnet-header: auto} the frames arrive whole
 * with their virtio header and go out with it. 20 MiB are echoed through FULLNAT (with TOA) and through DNAT, so
 * the data crosses the load balancer in both directions, and the client compares sha256 of what it sent and got
 * back. Then the LB's own interfaces get TSO/GSO and checksum offload off, so the kernel cuts Fulcrum's output into
 * segments and completes their checksums in software from the partial seeds Fulcrum wrote, and the receivers
 * (client and backends, whose veths verify checksums of complete packets) must count no checksum error: the seed
 * arithmetic checked end to end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class L4OffloadsTest {
    private static final int BYTES = 20 << 20;
    private static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(60);
    private static L4Lab lab;

    private static final String CONFIG = """
            node: {name: l4-offloads, run-dir: RUN_DIR}
            dataplane:
              io: IO
              agents: 1
              interfaces:
                - {name: cli0, addresses: [198.18.0.100/24]}
                - {name: srv0, addresses: [198.18.1.100/24]}
              local-addresses: [{address: 198.18.1.100, ports: "10000-60999"}]
            listeners:
              - {name: fullnat, protocol: tcp, vip: 198.18.0.100, port: 80, mode: fullnat, group: web, toa: {kind: 254}}
              - {name: dnat, protocol: tcp, vip: 198.18.0.100, port: 82, mode: dnat, group: web}
            backend-groups:
              - {name: web, scheduler: rr, backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]}
            """;

    @BeforeAll
    static void up() throws Exception {
        lab = L4Lab.up("offloads", true);
        lab.startFulcrum(CONFIG.replace("IO", "af_packet"));
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void bulkTcpWithGsoPeersThroughFullNatAndDnat() throws Exception {
        lab.dumpOnFailure(() -> {
            assertThat(lab.fulcrum().output()).contains("virtio headers").contains("vnet-hdr");
            for (final String role : List.of("client", "b1", "b2")) {
                final Lab.Result features = lab.lab().exec(role, Duration.ofSeconds(10), "ethtool", "-k", "eth0");
                assertThat(features.stdout()).as(role).contains("tcp-segmentation-offload: on")
                    .contains("tx-checksumming: on");
            }
            echo(80);
            echo(82);
            final String stats = lab.fulcrum().stats();
            assertThat(counter(stats, "agent-0 drop capture-truncated")).as(stats).isZero();
            assertThat(counter(stats, "agent-0 drop gso-unsupported")).as(stats).isZero();
            // Super-frames went through whole: far more than one MTU per frame on average.
            assertThat(counter(stats, "agent-0 rx bytes") / counter(stats, "agent-0 rx frames")).as(stats)
                .isGreaterThan(4000);
            // The handshake ACK carries the TOA; whether a GSO frame comes before the backend acknowledges the
            // "ECHO" line (toa-gso-skipped) depends on timing: L4GsoFixtureTest covers it.
            assertThat(counter(stats, "agent-0 event toa-added")).as(stats).isPositive();
        });
    }

    @Test
    @Order(2)
    void theKernelSegmentsAndChecksumsFulcrumsOutputIntoValidPackets() throws Exception {
        lab.dumpOnFailure(() -> {
            for (final String dev : List.of("cli0", "srv0")) {
                final Lab.Result r = lab.lab().exec("lb", Duration.ofSeconds(10), "ethtool", "-K", dev, "tx", "off", "tso",
                    "off", "gso", "off");
                assertThat(r.ok()).as(r.toString()).isTrue();
            }
            try {
                final long[] before = checksumErrors();
                echo(80);
                echo(82);
                assertThat(checksumErrors()).as("TcpInCsumErrors of client, b1, b2").isEqualTo(before);
            } finally {
                for (final String dev : List.of("cli0", "srv0")) {
                    lab.lab().exec("lb", Duration.ofSeconds(10), "ethtool", "-K", dev, "tx", "on", "tso", "on", "gso", "on");
                }
            }
        });
    }

    /**
     * AF_XDP with the same peers: attaching the XDP program makes veth turn TSO off on the peers, but their TX checksum
     * offload stays on and AF_XDP loses the partial-checksum mark, so segments arrive with only the pseudo-header sum
     * in their checksum field. Fulcrum recognises and completes them (Ipv4Stage.looksPartial); through FULLNAT (DNAT
     * needs AF_PACKET) the receivers count no checksum error and the data arrives intact.
     */
    @Test
    @Order(3)
    void afXdpCompletesThePartialChecksumsOfPeersWithTxChecksumOffload() throws Exception {
        lab.fulcrum().close();
        // DNAT needs AF_PACKET (the XDP program only takes frames for our own addresses)
        lab.startFulcrum(CONFIG.replace("IO", "af_xdp").lines().filter(l -> !l.contains("mode: dnat"))
            .collect(java.util.stream.Collectors.joining("\n")));
        lab.dumpOnFailure(() -> {
            final Lab.Result features = lab.lab().exec("client", Duration.ofSeconds(10), "ethtool", "-k", "eth0");
            assertThat(features.stdout()).contains("tx-checksumming: on");
            final long[] before = checksumErrors();
            echo(80);
            assertThat(checksumErrors()).as("TcpInCsumErrors of client, b1, b2").isEqualTo(before);
            assertThat(counter(lab.fulcrum().stats(), "agent-0 event checksum-completed")).isPositive();
        });
    }

    private static void echo(final int port) {
        final long start = System.nanoTime();
        assertThat(lab.client(TRANSFER_TIMEOUT, "echo", VIP, Integer.toString(port), Integer.toString(BYTES)))
            .as("20 MiB echoed through port " + port).isEqualTo("match");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TRANSFER_TIMEOUT);
    }

    /** TcpInCsumErrors (absolute, /proc/net/snmp) in the client and backend namespaces. */
    private static long[] checksumErrors() {
        final List<String> roles = List.of("client", "b1", "b2");
        final long[] errors = new long[roles.size()];
        for (int i = 0; i < errors.length; i++) {
            final Lab.Result r = lab.lab().exec(roles.get(i), Duration.ofSeconds(10), "cat", "/proc/net/snmp");
            assertThat(r.ok()).as(r.toString()).isTrue();
            final List<String> tcp = r.stdout().lines().filter(l -> l.startsWith("Tcp:")).toList();
            final List<String> names = List.of(tcp.get(0).split("\\s+"));
            errors[i] = Long.parseLong(tcp.get(1).split("\\s+")[names.indexOf("InCsumErrors")]);
        }
        return errors;
    }
}
