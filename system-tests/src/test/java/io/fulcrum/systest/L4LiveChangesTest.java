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
 * fail no request; removing a backend drains it (its open connection keeps working, new ones avoid it). Listeners
 * and group settings change live too: a listener added with fulcrumctl answers at once, a scheduler and health-check
 * change fails nothing on a listener under load, and a removed listener stops taking new connections.
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

    private static String loopResult(final Process loop) throws Exception {
        assertThat(loop.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new BufferedReader(new InputStreamReader(loop.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    private static String once(final int port) {
        final Lab.Result r = lab.lab().exec("client", Duration.ofSeconds(10), "python3", L4Lab.peer().toString(), "many",
            VIP, Integer.toString(port), "1", "3");
        return r.stdout();
    }

    @Test
    void listenersAndGroupSettingsChangeLiveWithoutFailingRequests() throws Exception {
        lab.dumpOnFailure(() -> {
            // listener a and its group, added live on the node's own VIP (a port nothing used before)
            ctl("add", "group", "api", "scheduler=rr", "drain-timeout=2");
            ctl("add", "backend", "api", "198.18.1.11:80");
            ctl("add", "backend", "api", "198.18.1.12:80");
            ctl("add", "listener", "a", "protocol=tcp", "vip=" + VIP, "port=8080", "mode=fullnat", "group=api");
            assertThat(once(8080)).startsWith("ok=1 fail=0");
            final Process loop = lab.startBackground("client", "python3", L4Lab.peer().toString(), "loop", VIP, "8080",
                "12");
            Thread.sleep(1000);

            // listener b: reachable as soon as the command returns
            ctl("add", "listener", "b", "protocol=tcp", "vip=" + VIP, "port=8081", "mode=fullnat", "group=api");
            assertThat(once(8081)).startsWith("ok=1 fail=0");

            // a's group: new scheduler, then health checks on and their interval changed, under load
            ctl("update", "group", "api", "scheduler=wlc");
            Thread.sleep(1000);
            ctl("health-check", "api", "type=tcp", "interval=1");
            Thread.sleep(1500);
            ctl("health-check", "api", "type=tcp", "interval=2");
            Thread.sleep(1000);
            final String config = ctl("get", "config").stdout();
            assertThat(config).contains("scheduler: wlc").contains("interval: 2");

            // b removed: new connections to it are no longer taken, a goes on
            ctl("remove", "listener", "b");
            assertThat(once(8081)).startsWith("ok=0 fail=1");
            assertThat(once(8080)).startsWith("ok=1 fail=0");

            final String result = loopResult(loop);
            assertThat(result).as("client loop on listener a").startsWith("ok=").contains(" fail=0 ");
            assertThat(Long.parseLong(result.substring(3, result.indexOf(' ')))).isGreaterThan(50);
            // every change is audited
            assertThat(Files.readString(runDir.resolve("audit.log"))).contains("\"b\"").contains("wlc");
            ctl("remove", "listener", "a");
            ctl("remove", "group", "api");
        });
    }
}
