package io.fulcrum.control.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.FeatureGate;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.control.runtime.BackendHealth;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fulcrumctl command against an in-process node over the real Aeron control channel: reads, each kind of
 * change, atomic apply with rollback, and refusals that leave the running state byte-for-byte as it was.
 */
class ControlChannelTest {
    static TestNode node;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(TestNode.standardBody());
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @BeforeEach
    void resetToStandard() throws Exception {
        node.step.failNext = null;
        node.step2.failNext = null;
        node.step.refuse = null;
        final Path file = Files.writeString(tmp.resolve("standard.yaml"), "node:\n  name: t1\n  run-dir: " + node.runDir
            + "\n" + TestNode.standardBody() + "control:\n  metrics:\n    address: 127.0.0.1:" + node.httpPort
            + "\n  audit-log: " + node.runDir.resolve("audit.log") + "\n");
        final TestNode.Run run = node.ctl("apply", "-f", file.toString());
        assertThat(run.code()).as(run.err()).isZero();
    }

    private static String config() {
        final TestNode.Run run = node.ctl("get", "config");
        assertThat(run.code()).as(run.err()).isZero();
        return run.out();
    }

    @Test
    void getConfigIsTheRunningStateAsYaml() throws Exception {
        final FulcrumConfig parsed = ConfigLoader.parse(config(), "got.yaml", Path.of("/"), FeatureGate.ALL);
        assertThat(parsed).isEqualTo(node.runtime.current());
    }

    @Test
    void statusListsListenersGroupsBackendsWithHealthAndWeights() {
        node.state.health.put("web/198.18.1.2:80", BackendHealth.HEALTHY);
        node.state.health.put("web/198.18.1.3:8080", BackendHealth.UNHEALTHY);
        final TestNode.Run run = node.ctl("status");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("web", "tcp", "198.18.0.100:80", "fullnat", "dns", "udp", "dnat")
            .contains("group web (wrr, health check on): 1 healthy, 1 unhealthy")
            .containsPattern("198\\.18\\.1\\.2:80 +100 healthy")
            .containsPattern("198\\.18\\.1\\.3:8080 +50 unhealthy")
            .contains("group dns (rr, health check off): 1 healthy, 0 unhealthy");
        final TestNode.Run json = node.ctl("status", "--json");
        assertThat(json.out()).startsWith("{\"node\":\"t1\"").contains("\"health\":\"unhealthy\"");
    }

    @Test
    void addsUpdatesAndRemovesEveryKindOfObject() {
        ok("add", "group", "api", "scheduler=wlc", "drain-timeout=10");
        ok("add", "backend", "api", "198.18.1.20:9000", "weight=30");
        ok("add", "backend", "api", "198.18.1.21:9000");
        ok("add", "listener", "api", "protocol=tcp", "vip=198.18.0.100", "port=9000", "group=api", "timeouts.idle=120");
        FulcrumConfig c = node.runtime.current();
        assertThat(c.listener("api").orElseThrow().timeouts().idleSeconds()).isEqualTo(120);
        assertThat(c.backendGroup("api").orElseThrow().backends()).hasSize(2);

        ok("update", "listener", "api", "port=9001");
        ok("update", "group", "api", "scheduler=lc");
        ok("update", "backend", "api", "198.18.1.21:9000", "backup=false", "weight=70");
        ok("weight", "api", "198.18.1.20:9000", "90");
        ok("health-check", "api", "type=http", "path=/health", "interval=3");
        c = node.runtime.current();
        assertThat(c.listener("api").orElseThrow().port()).isEqualTo(9001);
        assertThat(c.backendGroup("api").orElseThrow().scheduler().token()).isEqualTo("lc");
        assertThat(c.backendGroup("api").orElseThrow().backends()).extracting(b -> b.weight()).containsExactly(90, 70);
        assertThat(c.backendGroup("api").orElseThrow().healthCheck().orElseThrow().path()).isEqualTo("/health");

        final TestNode.Run drain = ok("drain", "api", "198.18.1.20:9000");
        assertThat(drain.out()).contains("~ backend api/198.18.1.20:9000 {address: \"198.18.1.20\", port: 9000, weight: 90}"
            + " -> {address: \"198.18.1.20\", port: 9000, weight: 0}");
        assertThat(node.ctl("status").out()).containsPattern("198\\.18\\.1\\.20:9000 +0 \\S+ +draining");

        ok("health-check", "api", "off");
        ok("remove", "backend", "api", "198.18.1.20:9000");
        ok("remove", "listener", "api");
        ok("remove", "group", "api");
        assertThat(node.runtime.current().backendGroup("api")).isEmpty();
        assertThat(node.step.events).contains("apply 1");
    }

    private static TestNode.Run ok(final String... args) {
        final TestNode.Run run = node.ctl(args);
        assertThat(run.code()).as(String.join(" ", args) + ": " + run.err()).isZero();
        assertThat(run.out()).contains("applied, generation");
        return run;
    }

    static Stream<Arguments> badCommands() {
        return Stream.of(
            Arguments.of(List.of("weight", "nosuch", "198.18.1.2:80", "10"), "no backend group 'nosuch'"),
            Arguments.of(List.of("weight", "web", "198.18.1.99:80", "10"), "no backend 198.18.1.99:80 in group 'web'"),
            Arguments.of(List.of("remove", "listener", "wbe"), "no listener 'wbe' (did you mean 'web'?)"),
            Arguments.of(List.of("weight", "web", "198.18.1.2:80", "101"),
                "backend-groups[web].backends[198.18.1.2:80].weight: must be between 0 and 100, got 101"),
            Arguments.of(List.of("weight", "web", "198.18.1.2:80", "heavy"),
                "backend-groups[web].backends[198.18.1.2:80].weight: expected an integer"),
            Arguments.of(List.of("add", "listener", "web2", "protocol=tcp", "vip=198.18.0.100", "port=80", "group=web"),
                "listeners[web2].port: 198.18.0.100:80 is already used by listener 'web'"),
            Arguments.of(List.of("add", "backend", "web", "198.18.1.999:80"), "backend address: must be address:port"),
            Arguments.of(List.of("add", "listener", "x", "protocol=tcp", "vip=198.18.0", "port=81", "group=web"),
                "listeners[x].vip:"),
            Arguments.of(List.of("update", "group", "web", "scheduler=fastest"),
                "backend-groups[web].scheduler: must be one of rr, wrr, lc, wlc, sh or mh, got 'fastest'"),
            Arguments.of(List.of("add", "group", "web"), "backend group 'web' exists already"),
            Arguments.of(List.of("remove", "group", "web"), "backend group 'web' is used by listener 'web'"),
            Arguments.of(List.of("update", "listener", "web", "colour=blue"), "listeners[web].colour: unknown key 'colour'"),
            Arguments.of(List.of("health-check", "dns", "off"), "backend group 'dns' has no health check"),
            Arguments.of(List.of("add", "frobnicator", "x"), "unknown object type 'frobnicator'"),
            Arguments.of(List.of("ipvsadm", "-A", "-t", "198.18.0.100:81", "-s", "sed"),
                "'sed' is an IPVS scheduler Fulcrum does not have"),
            Arguments.of(List.of("ipvsadm", "-A", "-t", "198.18.0.100:81", "-s", "fastest"),
                "scheduler: must be one of rr, wrr, lc, wlc, sh or mh, got 'fastest'"),
            Arguments.of(List.of("ipvsadm", "-a", "-t", "198.18.0.100:80", "-r", "198.18.1.2:80", "-w", "3"),
                "backend 198.18.1.2:80 is already in group 'web'"),
            Arguments.of(List.of("ipvsadm", "-e", "-t", "198.18.0.100:80", "-r", "198.18.1.2:80", "-w", "1000"),
                "weight: must be between 0 and 100, got 1000"),
            Arguments.of(List.of("ipvsadm", "-D", "-t", "198.18.0.100:8888"), "no service TCP 198.18.0.100:8888"),
            Arguments.of(List.of("ipvsadm", "-a", "-t", "198.18.0.100:80", "-r", "198.18.1.7:80", "-g"),
                "Fulcrum forwards in fullnat or dnat mode"));
    }

    @ParameterizedTest
    @MethodSource("badCommands")
    void badCommandsAreRefusedWithAReasonAndChangeNothing(final List<String> args, final String reason) throws Exception {
        final String before = config();
        final long generation = node.runtime.generation();
        final int auditLines = node.audit().size();
        final TestNode.Run run = node.ctl(args.toArray(String[]::new));
        assertThat(run.code()).as(run.out()).isNotZero();
        assertThat(run.err()).contains(reason);
        assertThat(config()).isEqualTo(before);
        assertThat(node.runtime.generation()).isEqualTo(generation);
        if (!args.get(0).equals("add") || !args.get(1).equals("frobnicator")) {
            assertThat(node.audit()).hasSize(auditLines + 1);
            assertThat(node.audit().get(auditLines)).contains("\"result\":\"refused\"",
                "\"pid\":" + ProcessHandle.current().pid());
        }
    }

    @Test
    void applyOfAFileWithOneBadFieldIsRefusedWithFileLineAndField() throws Exception {
        final String before = config();
        final String good = before.replace("weight: 50", "weight: 60");
        final Path bad = Files.writeString(tmp.resolve("bad.yaml"), good.replace("port: 8080", "port: 80800"));
        final TestNode.Run run = node.ctl("apply", "-f", bad.toString());
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains(bad + ":").contains("backend-groups[0].backends[1].port: must be between 1 and 65535, "
            + "got 80800");
        assertThat(config()).isEqualTo(before);
        assertThat(node.audit().getLast()).contains("\"command\":\"apply\"", "\"result\":\"refused\"");
    }

    @Test
    void applyPrintsTheDiffAndAppliesAtomically() throws Exception {
        final String changed = config().replace("weight: 50", "weight: 60").replace("    scheduler: rr\n", "");
        final Path file = Files.writeString(tmp.resolve("next.yaml"), changed);
        final TestNode.Run dry = node.ctl("apply", "-f", file.toString(), "--dry-run");
        assertThat(dry.out()).contains("(dry run: nothing applied)");
        assertThat(node.runtime.current().backendGroup("web").orElseThrow().backends().get(1).weight()).isEqualTo(50);
        final TestNode.Run run = node.ctl("apply", "-f", file.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("~ backend web/198.18.1.3:8080 {address: \"198.18.1.3\", port: 8080, weight: 50} -> "
            + "{address: \"198.18.1.3\", port: 8080, weight: 60}")
            .contains("~ backend-group dns {name: \"dns\", scheduler: rr} -> "
            + "{name: \"dns\"}");
        assertThat(node.runtime.current().backendGroup("web").orElseThrow().backends().get(1).weight()).isEqualTo(60);
        final TestNode.Run again = node.ctl("apply", "-f", file.toString());
        assertThat(again.out()).contains("(no changes)");
    }

    @Test
    void aFailingStepRollsBackTheStepsBeforeItAndChangesNothing() throws Exception {
        final String before = config();
        node.step.events.clear();
        node.step2.failNext = "backend table full";
        final TestNode.Run run = node.ctl("weight", "web", "198.18.1.2:80", "10");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("failed: test-step failed: backend table full; rolled back [test-step]");
        assertThat(node.step.events).containsExactly("apply 1", "rollback");
        assertThat(config()).isEqualTo(before);
        assertThat(node.audit().getLast()).contains("\"result\":\"failed\"", "\"old\":");
    }

    @Test
    void aStepCanRefuseAChangeItCannotMakeWhileRunning() throws Exception {
        final String before = config();
        node.step.refuse = "listeners[web].mode: dnat listeners need io: af_packet";
        final TestNode.Run run = node.ctl("update", "listener", "web", "port=8081");
        assertThat(run.err()).contains("refused: listeners[web].mode: dnat listeners need io: af_packet");
        assertThat(config()).isEqualTo(before);
    }

    @Test
    void dataplaneChangesNeedARestart() throws Exception {
        final String before = config();
        final Path file = Files.writeString(tmp.resolve("dp.yaml"), before.replace("dataplane:\n", "dataplane:\n  agents: 2\n"));
        final TestNode.Run run = node.ctl("apply", "-f", file.toString());
        assertThat(run.err()).contains("dataplane: changes to the dataplane section take effect on restart only");
        assertThat(config()).isEqualTo(before);
    }

    @Test
    void largeConfigsTravelInChunks() throws Exception {
        final StringBuilder cidrs = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            cidrs.append(i == 0 ? "" : ", ").append("10.").append(i / 256).append('.').append(i % 256).append(".0/24");
        }
        final String big = config().replace("    group: \"web\"\n", "    group: \"web\"\n    acl:\n      mode: deny\n"
            + "      cidrs: ["
            + cidrs + "]\n");
        assertThat(big.length()).isGreaterThan(3 * 8192);
        final Path file = Files.writeString(tmp.resolve("big.yaml"), big);
        final TestNode.Run run = node.ctl("apply", "-f", file.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(node.runtime.current().listener("web").orElseThrow().acl().cidrs()).hasSize(2000);
        assertThat(config()).contains("\"10.7.207.0/24\"]");
    }

    @Test
    void connsSaysWhenTheDataplaneExposesNoFlows() {
        node.state.flows = null;
        final TestNode.Run run = node.ctl("conns");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("does not expose tracked flows");
    }

    @Test
    void everyAppliedChangeIsAuditedWithCallerOldAndNew() throws Exception {
        final int lines = node.audit().size();
        ok("weight", "web", "198.18.1.2:80", "77");
        final String line = node.audit().get(lines);
        assertThat(line).startsWith("{\"time\":\"20").contains("\"uid\":" + io.fulcrum.control.runtime.Caller.currentUid(),
            "\"pid\":" + ProcessHandle.current().pid(), "\"source\":\"fulcrumctl\"", "\"command\":\"weight\"",
            "\"object\":{\"type\":\"backend\",\"id\":\"web/198.18.1.2:80\"}", "\"result\":\"applied\"",
            "\"old\":\"{address: \\\"198.18.1.2\\\", port: 80}\"",
            "\"new\":\"{address: \\\"198.18.1.2\\\", port: 80, weight: 77}\"");
    }

    @Test
    void unreachableNodeIsAClearError() {
        final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        final int code = io.fulcrum.control.cli.FulcrumCtl.execute(new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
            new java.io.PrintStream(err), "--aeron-dir", tmp.resolve("none").toString(), "--timeout", "500", "status");
        assertThat(code).isEqualTo(3);
        assertThat(err.toString()).contains("no Fulcrum node is running with the Aeron directory");
    }
}
