package io.fulcrum.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Live changes through the real {@code fulcrumctl} over the Aeron control channel while a client loop of
 * connections runs through packet-mode FULLNAT: adding a backend, changing weights and applying a new config
 * fail no request; removing a backend drains it (its open connection keeps working, new ones avoid it).
 */
class L4LiveChangesTest {
    private static final String VIP = L4Lab.VIP;
    private static final String CONFIG = """
        node: {name: l4-live, run-dir: RUN_DIR}
        dataplane:
          io: auto
          agents: 1
          interfaces:
            - {name: cli0, addresses: [198.18.0.100/24]}
            - {name: srv0, addresses: [198.18.1.100/24]}
          local-addresses: [{address: 198.18.1.100, ports: "10000-60999"}]
          flow-table: {capacity: 65536}
        listeners:
          - {name: web, protocol: tcp, vip: 198.18.0.100, port: 80, mode: fullnat, group: web}
        backend-groups:
          - name: web
            scheduler: wrr
            drain-timeout: 300
            backends: [{address: 198.18.1.11, port: 80}]
        """;

    private static L4Lab lab;
    private static Path runDir;

    @BeforeAll
    static void up() throws Exception {
        lab = L4Lab.up("live");
        lab.startFulcrum(CONFIG);
        runDir = lab.work().resolve("run");
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    private static Lab.Result ctl(final String... args) {
        final String[] command = new String[args.length + 3];
        command[0] = Lab.root().resolve("bin/fulcrumctl").toString();
        command[1] = "--run-dir";
        command[2] = runDir.toString();
        System.arraycopy(args, 0, command, 3, args.length);
        final Lab.Result result = Lab.run(Duration.ofSeconds(60), command);
        assertThat(result.ok()).as(result.toString()).isTrue();
        return result;
    }

    private static Set<String> backendsSeen(final int connections) {
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < connections; i++) {
            final Lab.Result r = lab.lab().exec("client", Duration.ofSeconds(10), "curl", "-s", "-m", "3",
                "http://" + VIP + "/");
            assertThat(r.ok()).as(r.toString()).isTrue();
            seen.add(r.stdout().substring(0, 2));
        }
        return seen;
    }

    @Test
    void changesUnderLoadFailNothingAndRemovalDrains() throws Exception {
        lab.dumpOnFailure(() -> {
            assertThat(backendsSeen(4)).containsExactly("b1");
            // an open connection to b1 that must survive b1's removal (draining), held by the peer's idle client
            final Process held = lab.startBackground("client", "python3", L4Lab.peer().toString(), "idle", VIP, "80", "25");
            // a client loop of short connections across every change: zero failures allowed
            final Process loop = lab.startBackground("client", "python3", L4Lab.peer().toString(), "loop", VIP, "80",
                "12");
            Thread.sleep(1000);

            ctl("add", "backend", "web", "198.18.1.12:80", "weight=100");
            Thread.sleep(1500);
            ctl("weight", "web", "198.18.1.11:80", "50");
            Thread.sleep(1500);
            final String running = ctl("get", "config").stdout();
            final Path next = Files.writeString(lab.work().resolve("next.yaml"),
                running.replace("weight: 50", "weight: 80"));
            final Lab.Result applied = ctl("apply", "-f", next.toString());
            assertThat(applied.stdout() + applied.stderr()).contains("198.18.1.11");
            Thread.sleep(1500);
            ctl("remove", "backend", "web", "198.18.1.11:80");
            Thread.sleep(1500);

            // after removal new connections avoid b1
            assertThat(backendsSeen(6)).containsExactly("b2");
            final String status = ctl("status").stdout();
            assertThat(status).contains("198.18.1.12:80").doesNotContain("198.18.1.11:80 ");

            assertThat(loop.waitFor(60, TimeUnit.SECONDS)).isTrue();
            final String loopResult = new BufferedReader(new InputStreamReader(loop.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
            assertThat(loopResult).as("client loop").startsWith("ok=").contains(" fail=0 ");
            assertThat(Long.parseLong(loopResult.substring(3, loopResult.indexOf(' ')))).isGreaterThan(100);

            // the held connection to b1 is drained, not cut: it completes its idle exchange
            assertThat(held.waitFor(60, TimeUnit.SECONDS)).isTrue();
            final String heldResult = new BufferedReader(new InputStreamReader(held.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
            assertThat(heldResult).as("connection open across the removal").isEqualTo("no-reset");
        });
    }
}
