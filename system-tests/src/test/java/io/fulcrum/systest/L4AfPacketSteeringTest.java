package io.fulcrum.systest;

import static io.fulcrum.systest.L4Lab.VIP;
import static io.fulcrum.systest.L4Lab.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two forwarder agents over AF_PACKET in the namespace lab, FULLNAT, run once with {@code af-packet-fanout: owner}
 * (the PACKET_FANOUT_CBPF program steers every frame to the agent owning its flow) and once with {@code hash}
 * (PACKET_FANOUT_HASH): short TCP connections and UDP exchanges work in both, and the cross-agent handoff stays at
 * ~0 with owner steering while hash fanout hands off a large share of the frames. The Linux client's TCP
 * connections (even source ports) are owned by both agents.
 *
 * <p>The backends are not static neighbours: an ARP reply reaches only one agent of the fanout group (agent 0 with
 * the owner program), and the agent that learns it passes it to the other through the handoff rings
 * ({@code neighbour-shared-out} / {@code neighbour-shared-in}), so both agents resolve the backends. The client
 * stays a static neighbour so the comparison does not depend on the client's ARP cache between the two runs.
 */
class L4AfPacketSteeringTest {
    private static final String CONFIG = """
        node: {name: l4-steering, run-dir: RUN_DIR}
        dataplane:
          io: af_packet
          agents: 2
          af-packet-fanout: FANOUT
          interfaces:
            - {name: cli0, addresses: [198.18.0.100/24]}
            - {name: srv0, addresses: [198.18.1.100/24]}
          neighbours:
            static:
              - {address: 198.18.0.2, mac: "CLIENT_MAC", interface: cli0}
          local-addresses: [{address: 198.18.1.100, ports: "10000-60999"}]
          flow-table: {capacity: 65536}
        listeners:
          - {name: web, protocol: tcp, vip: 198.18.0.100, port: 80, mode: fullnat, group: web}
          - {name: udp, protocol: udp, vip: 198.18.0.100, port: 7, mode: fullnat, group: udp}
        backend-groups:
          - name: web
            scheduler: rr
            backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
          - name: udp
            scheduler: rr
            backends: [{address: 198.18.1.11, port: 7}, {address: 198.18.1.12, port: 7}]
        """;
    private static final int CONNECTIONS = 300;
    private static final int HASH_CONNECTIONS = 60;
    private static final int DATAGRAMS = 40;

    private static L4Lab lab;
    private static String config;

    @BeforeAll
    static void up() throws Exception {
        lab = L4Lab.up("steering");
        config = CONFIG.replace("CLIENT_MAC", mac("client"));
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    private static String mac(final String role) {
        final Lab.Result r = lab.lab().exec(role, Duration.ofSeconds(5), "cat", "/sys/class/net/eth0/address");
        assertThat(r.ok()).as(r.toString()).isTrue();
        return r.stdout().trim();
    }

    /** Runs the traffic with {@code fanout}, checks it all worked, and returns {handoff-out, rx frames} of both agents. */
    private static long[] run(final String fanout) throws Exception {
        lab.startFulcrum(config.replace("FANOUT", fanout));
        final long[] result = new long[2];
        try {
            lab.dumpOnFailure(() -> {
                assertThat(lab.fulcrum().output()).contains("hash".equals(fanout) ? "fanout hash (PACKET_FANOUT_HASH"
                    : "fanout owner (PACKET_FANOUT_CBPF");
                assertThat(lab.client(Duration.ofSeconds(10), "who", VIP, "80")).contains(" b");
                final boolean owner = "owner".equals(fanout);
                final int connections = owner ? CONNECTIONS : HASH_CONNECTIONS;
                final String many = lab.client(Duration.ofSeconds(30), "many", VIP, "80", Integer.toString(connections), "25");
                if (owner) {
                    assertThat(many).startsWith("ok=" + connections + " fail=0");
                } else {
                    // Hash fanout works but is slow and lossy here: a handed-off frame waits for the owner's next duty
                    // cycle (up to its 1 ms poll timeout when it idles) on a loaded 2-core lab, and connections have
                    // timed out (docs/benchmarks.md). Only that most of them work is asserted.
                    final long ok = Long.parseLong(many.replaceFirst("(?s)^ok=(\\d+).*", "$1"));
                    assertThat(ok).as(many).isGreaterThanOrEqualTo(connections / 2);
                }
                final String udp = lab.client(Duration.ofSeconds(30), "udpmany", VIP, "7", Integer.toString(DATAGRAMS));
                assertThat(udp).contains("answered=" + DATAGRAMS).contains("first-again=yes");
                final String stats = lab.fulcrum().stats();
                // UDP sockets get random ports, so both agents own flows: both forwarded something.
                assertThat(counter(stats, "agent-1 event flow-created")).isPositive();
                assertThat(counter(stats, "agent-0 event flow-created")).isPositive();
                if (owner) {
                    // The client is Linux: its connect() ports are even, and (port >>> 1) % 2 still spreads them.
                    assertThat(counter(stats, "agent-0 listener web conns")).as(stats).isGreaterThan(connections / 5);
                    assertThat(counter(stats, "agent-1 listener web conns")).as(stats).isGreaterThan(connections / 5);
                    // Every ARP reply reaches agent 0; agent 1 resolves the backends only through what agent 0 passes.
                    assertThat(counter(stats, "agent-0 event neighbour-shared-out")).isPositive();
                    assertThat(counter(stats, "agent-1 event neighbour-shared-in")).isPositive();
                }
                assertThat(counter(stats, "agent-0 event neighbour-share-ring-full")
                    + counter(stats, "agent-1 event neighbour-share-ring-full")).isZero();
                result[0] = counter(stats, "agent-0 event handoff-out") + counter(stats, "agent-1 event handoff-out");
                result[1] = counter(stats, "agent-0 rx frames") + counter(stats, "agent-1 rx frames");
            });
        } finally {
            lab.fulcrum().close();
        }
        return result;
    }

    @Test
    void ownerSteeringAvoidsTheHandoffThatHashFanoutNeeds() throws Exception {
        final long[] owner = run("owner");
        final long[] hash = run("hash");
        // Every connection is ~10 frames through the forwarder, both directions.
        assertThat(owner[1]).isGreaterThan(CONNECTIONS * 8L);
        assertThat(hash[1]).isGreaterThan(HASH_CONNECTIONS * 4L);
        assertThat(owner[0]).as("handoff-out with owner steering, of %d frames", owner[1]).isLessThanOrEqualTo(owner[1] / 100);
        assertThat(hash[0]).as("handoff-out with hash fanout, of %d frames", hash[1]).isGreaterThan(hash[1] / 5);
    }
}
