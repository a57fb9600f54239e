package io.fulcrum.systest;

import static io.fulcrum.systest.L4Lab.CLIENT;
import static io.fulcrum.systest.L4Lab.VIP;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DNAT through the real binary: the backends see the client's own address, answer through their default route
 * (Fulcrum), and the client gets answers from the VIP; TCP (curl, checksummed bulk) and UDP. {@code io: auto}
 * picks AF_PACKET and says why.
 */
class L4DnatTest {
    private static L4Lab lab;

    @BeforeAll
    static void up() throws Exception {
        lab = L4Lab.up("dnat");
        lab.startFulcrum("""
            node: {name: l4-dnat, run-dir: RUN_DIR}
            dataplane:
              io: auto
              interfaces:
                - {name: cli0, addresses: [198.18.0.100/24]}
                - {name: srv0, addresses: [198.18.1.100/24]}
            listeners:
              - {name: web, protocol: tcp, vip: 198.18.0.100, port: 80, mode: dnat, group: web}
              - {name: udp, protocol: udp, vip: 198.18.0.100, port: 7, mode: dnat, group: udp}
            backend-groups:
              - {name: web, scheduler: wrr, backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]}
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
    void backendsSeeTheClientAddressAndAnswerFromTheVip() throws Exception {
        lab.dumpOnFailure(() -> {
            assertThat(lab.fulcrum().output()).contains("io af_packet (auto: dnat listeners need every frame");
            final Set<String> backends = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                final Lab.Result r = lab.lab().exec("client", Duration.ofSeconds(10), "curl", "-s", "-m", "5",
                    "http://" + VIP + "/");
                assertThat(r.ok()).as(r.toString()).isTrue();
                assertThat(r.stdout()).matches("b[12] " + CLIENT.replace(".", "\\.") + ":[0-9]+\\n");
                backends.add(r.stdout().substring(0, 2));
            }
            assertThat(backends).containsExactlyInAnyOrder("b1", "b2");
            assertThat(lab.client(Duration.ofSeconds(60), "echo", VIP, "80", Integer.toString(16 << 20))).isEqualTo("match");
            assertThat(lab.client(Duration.ofSeconds(10), "udp", VIP, "7"))
                .matches("b[12] " + CLIENT.replace(".", "\\.") + ":[0-9]+");
        });
    }
}
