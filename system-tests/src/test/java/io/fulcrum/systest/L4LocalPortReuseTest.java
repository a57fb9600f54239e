package io.fulcrum.systest;

import static io.fulcrum.systest.L4Lab.VIP;
import static io.fulcrum.systest.L4Lab.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FULLNAT with a local port range of 64 ports: 3 000 short connections in a row all succeed, far more than
 * the ports could carry if each held its port through the 120 s TIME_WAIT. A new connection to a backend takes
 * over the pair of a finished (TIME_WAIT) flow to that backend ({@code local-port-recycled}); none is refused as
 * {@code local-ports-exhausted}.
 */
class L4LocalPortReuseTest {
    private static L4Lab lab;

    @BeforeAll
    static void up() throws Exception {
        lab = L4Lab.up("lport");
        lab.startFulcrum("""
            node: {name: l4-lport, run-dir: RUN_DIR}
            dataplane:
              io: auto
              agents: 1
              interfaces:
                - {name: cli0, addresses: [198.18.0.100/24]}
                - {name: srv0, addresses: [198.18.1.100/24]}
              local-addresses: [{address: 198.18.1.100, ports: "20000-20063"}]
            listeners:
              - {name: web, protocol: tcp, vip: 198.18.0.100, port: 80, mode: fullnat, group: web}
            backend-groups:
              - {name: web, scheduler: rr, backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]}
            """);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void finishedFlowsHandTheirLocalPortToNewConnections() throws Exception {
        lab.dumpOnFailure(() -> {
            final String result = lab.client(Duration.ofSeconds(58), "many", VIP, "80", "3000", "50");
            assertThat(result).startsWith("ok=3000 fail=0");
            final String stats = lab.fulcrum().stats();
            assertThat(counter(stats, "agent-0 event local-port-recycled")).as(stats).isGreaterThan(2000);
            assertThat(counter(stats, "agent-0 drop local-ports-exhausted")).as(stats).isZero();
        });
    }
}
