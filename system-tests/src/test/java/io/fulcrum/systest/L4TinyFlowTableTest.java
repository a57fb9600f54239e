package io.fulcrum.systest;

import static io.fulcrum.systest.L4Lab.VIP;
import static io.fulcrum.systest.L4Lab.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A flow table of 1024 flows: 1040 UDP clients, of which exactly 1024 get answers and 16 are refused (counted as
 * {@code flow-table-full}), while the flows already tracked keep working; {@code fulcrum conns} lists them.
 */
class L4TinyFlowTableTest {
    private static L4Lab lab;

    @BeforeAll
    static void up() throws Exception {
        lab = L4Lab.up("tiny");
        lab.startFulcrum("""
            node: {name: l4-tiny, run-dir: RUN_DIR}
            dataplane:
              io: auto
              interfaces:
                - {name: cli0, addresses: [198.18.0.100/24]}
                - {name: srv0, addresses: [198.18.1.100/24]}
              local-addresses: [{address: 198.18.1.100}]
              flow-table: {capacity: 1024}
            listeners:
              - {name: udp, protocol: udp, vip: 198.18.0.100, port: 7, group: udp, timeouts: {idle: 120}}
            backend-groups:
              - {name: udp, backends: [{address: 198.18.1.11, port: 7}, {address: 198.18.1.12, port: 7}]}
            """);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void newFlowsAreRefusedWhileOldOnesKeepWorking() throws Exception {
        lab.dumpOnFailure(() -> {
            final String out = lab.client(Duration.ofSeconds(50), "udpmany", VIP, "7", "1040");
            assertThat(out).contains("answered=1024").contains("first-again=yes");
            final String stats = lab.fulcrum().stats();
            assertThat(counter(stats, "agent-0 drop flow-table-full")).isGreaterThanOrEqualTo(16);
            assertThat(counter(stats, "agent-0 flows active")).isEqualTo(1024);
            final Lab.Result conns = Lab.run(Duration.ofSeconds(30), Lab.root().resolve("bin/fulcrum").toString(), "conns",
                "--run-dir", lab.work().resolve("run").toString(), "--vip", VIP + ":7", "--count");
            assertThat(conns.stdout().trim()).as(conns.toString()).isEqualTo("1024");
            final Lab.Result listing = Lab.run(Duration.ofSeconds(30), Lab.root().resolve("bin/fulcrum").toString(), "conns",
                "--run-dir", lab.work().resolve("run").toString(), "--backend", "198.18.1.11:7", "--state", "udp");
            assertThat(listing.stdout()).contains("UDP").contains("198.18.0.100:7").contains("198.18.1.11:7")
                .contains("198.18.1.100:");
        });
    }
}
