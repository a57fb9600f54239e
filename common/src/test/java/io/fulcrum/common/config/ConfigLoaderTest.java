package io.fulcrum.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    private static final String BASE = """
        node: {name: lb-1}
        dataplane:
          interfaces:
            - {name: cli0, addresses: [198.18.0.100/24]}
            - {name: srv0, addresses: [198.18.1.100/24]}
          local-addresses: [{address: 198.18.1.100}]
        """;

    private static FulcrumConfig parse(final String yaml, final FeatureGate gate) {
        try {
            return ConfigLoader.parse(yaml, "t.yaml", gate);
        } catch (ConfigException e) {
            throw new AssertionError("should load but:\n" + e.getMessage(), e);
        }
    }

    private static List<String> errors(final String yaml, final FeatureGate gate) {
        final ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, "t.yaml", gate));
        assertThat(e).as("should be refused").isNotNull();
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void defaultsMatchTheProduct() {
        final FulcrumConfig config = parse("node: {name: n1}\ndataplane: {interfaces: [{name: eth0}]}\n", FeatureGate.DEFAULT);
        assertThat(config.node().runDir()).isEqualTo(Path.of("/dev/shm/fulcrum-n1"));
        final DataplaneConfig d = config.dataplane();
        assertThat(d.io()).isEqualTo(IoMode.AUTO);
        assertThat(d.agents()).isEqualTo(1);
        assertThat(d.cpus()).isEmpty();
        assertThat(d.idleStrategy()).isEqualTo(IdleStrategyKind.BACKOFF);
        assertThat(d.realtimePriority()).isZero();
        assertThat(d.batchSize()).isEqualTo(64);
        assertThat(d.ringSize()).isEqualTo(2048);
        assertThat(d.frameSize()).isEqualTo(2048);
        assertThat(d.xdpMode()).isEqualTo(XdpMode.AUTO);
        assertThat(d.zeroCopy()).isEqualTo(ZeroCopyMode.AUTO);
        assertThat(d.afPacketFanout()).isEqualTo(AfPacketFanout.OWNER);
        assertThat(d.neighbours().reachableTimeSeconds()).isEqualTo(300);
        assertThat(d.neighbours().staticNeighbours()).isEmpty();
        assertThat(d.flowTable().capacity()).isEqualTo(1 << 20);
        assertThat(config.control().channel()).isEqualTo("aeron:ipc");
        assertThat(config.control().aeronDir()).isEqualTo(Path.of("/dev/shm/fulcrum-n1/aeron"));
        assertThat(config.control().metrics()).isEmpty();
    }

    @Test
    void listenerAndGroupDefaults() {
        final FulcrumConfig config = parse(BASE + """
            listeners:
              - {name: t, protocol: tcp, vip: 198.18.0.100, port: 80, group: g}
              - {name: u, protocol: udp, vip: 198.18.0.100, port: 80, group: g}
              - {name: h, protocol: http, vip: 198.18.0.100, port: 8080, group: g}
            backend-groups:
              - name: g
                backends: [{address: 198.18.1.11, port: 80}]
                health-check: {type: http, interval: 2, timeout: 10}
            """, FeatureGate.ALL);
        final ListenerConfig tcp = config.listener("t").orElseThrow();
        assertThat(tcp.mode()).isEqualTo(ForwardingMode.FULLNAT);
        assertThat(tcp.timeouts().idleSeconds()).isEqualTo(900);
        assertThat(tcp.timeouts().resetOnExpiry()).isTrue();
        assertThat(tcp.acl().mode()).isEqualTo(AclMode.OFF);
        assertThat(tcp.toa().enabled()).isFalse();
        assertThat(tcp.vip().ipv4()).isEqualTo(0xC6120064);
        assertThat(config.listener("u").orElseThrow().timeouts().idleSeconds()).isEqualTo(90);
        final ListenerConfig http = config.listener("h").orElseThrow();
        assertThat(http.mode()).isEqualTo(ForwardingMode.PROXY);
        assertThat(http.timeouts().idleSeconds()).isEqualTo(60);
        assertThat(http.headers().xForwardedFor()).isTrue();
        assertThat(http.maxBodyBytes()).isEqualTo(10L << 30);
        final BackendGroupConfig group = config.backendGroup("g").orElseThrow();
        assertThat(group.scheduler()).isEqualTo(SchedulerKind.WRR);
        assertThat(group.drainTimeoutSeconds()).isEqualTo(300);
        assertThat(group.allDown()).isEqualTo(AllDownAction.RESET);
        assertThat(group.backends().get(0).weight()).isEqualTo(100);
        final HealthCheckConfig check = group.healthCheck().orElseThrow();
        assertThat(check.timeoutSeconds()).as("timeout capped at the interval").isEqualTo(2);
        assertThat(check.healthyThreshold()).isEqualTo(3);
        assertThat(check.path()).isEqualTo("/");
        assertThat(check.method()).isEqualTo(HealthCheckMethod.GET);
        assertThat(check.expectedStatusClasses()).containsExactlyInAnyOrder(2, 3);
        assertThat(check.port()).isZero();
    }

    @Test
    void fullExampleBindsToTheModel() {
        final FulcrumConfig config = ExamplesTest.load("full.yaml", FeatureGate.ALL);
        final DataplaneConfig d = config.dataplane();
        assertThat(d.neighbours().staticNeighbours().get(0))
            .isEqualTo(new StaticNeighbourConfig(0xC612010B, 0x02000000010BL, "srv0"));
        assertThat(d.routes().get(0)).isEqualTo(new RouteConfig(new Ipv4Cidr(0, 0), 0xC6120001, "cli0"));
        assertThat(d.routes().get(2).isDirect()).isTrue();
        assertThat(d.localAddresses().get(1).ports()).isEqualTo(new PortRange(20000, 29999));
        final ListenerConfig https = config.listener("https").orElseThrow();
        assertThat(https.certificates()).hasSize(3);
        assertThat(https.certificates().get(0).cert()).isEqualTo(ExamplesTest.EXAMPLES.resolve("tls/example.org.ecdsa.pem"));
        assertThat(https.mtls().mode()).isEqualTo(MtlsMode.OPTIONAL);
        assertThat(https.rules().get(1)).isEqualTo(new RuleConfig("static", Optional.of("*.example.org"), Optional.of("/static"),
            PathMatch.PREFIX, Optional.of("static"), Optional.empty()));
        assertThat(https.headers().nodeIdentityHeader()).contains("X-Fulcrum-Node");
        assertThat(https.accessLog().orElseThrow().maxFiles()).isEqualTo(20);
        final ListenerConfig tls = config.listener("postgres-tls").orElseThrow();
        assertThat(tls.vip()).hasToString("2001:db8::100");
        assertThat(tls.tlsPolicy()).isEqualTo(TlsPolicy.TLS_1_3);
        assertThat(config.listener("tcp-fullnat").orElseThrow().acl().cidrs()).extracting(Object::toString)
            .containsExactly("203.0.113.0/24", "2001:db8:bad::/48");
        assertThat(config.backendGroup("web-backup").orElseThrow().isPrimaryBackup()).isTrue();
        assertThat(config.backendGroup("static").orElseThrow().persistence().orElseThrow().cookieName()).contains("JSESSIONID");
        assertThat(config.backendGroup("web").orElseThrow().persistence().orElseThrow().cookieName()).contains("FULCRUM_ID");
        assertThat(config.control().metrics().orElseThrow().address()).hasToString("127.0.0.1:9100");
    }

    @Test
    void allErrorsAreCollectedInFileOrder() {
        assertThat(errors("""
            node: {name: n}
            dataplane:
              ring-size: 100
              agents: 0
              interfaces: [{name: eth0, addresses: [10.0.0.1/24]}]
              colour: blue
            """, FeatureGate.DEFAULT)).containsExactly(
            "t.yaml:3:14: dataplane.ring-size: must be a power of two, got 100",
            "t.yaml:4:11: dataplane.agents: must be between 1 and 1024, got 0",
            "t.yaml:6:3: dataplane.colour: unknown key 'colour'");
    }

    @Test
    void structureErrors() {
        assertThat(errors("", FeatureGate.DEFAULT)).containsExactly(
            "t.yaml:1:1: is empty; it needs at least the node and dataplane sections");
        assertThat(errors("- a\n- b\n",
            FeatureGate.DEFAULT)).containsExactly("t.yaml:1:1: expected a mapping of keys, got a list");
        assertThat(errors("node: {name: n}\n", FeatureGate.DEFAULT)).containsExactly("t.yaml:1:1: dataplane: is required");
        assertThat(errors("node: {name: n}\ndataplane: {interfaces: eth0}\n", FeatureGate.DEFAULT))
            .containsExactly("t.yaml:2:25: dataplane.interfaces: expected a list, got 'eth0'");
        assertThat(errors("node: {name: n}\ndataplane:\n\tio: auto\n", FeatureGate.DEFAULT)).singleElement().asString()
            .startsWith("t.yaml:3:1: YAML syntax error:");
        assertThat(errors("node: {name: n}\n---\nnode: {name: m}\n", FeatureGate.DEFAULT)).singleElement().asString()
            .contains("expected a single document");
        assertThat(errors("node: &a {name: n, x: *a}\ndataplane: {interfaces: [{name: e}]}\n", FeatureGate.DEFAULT))
            .singleElement().asString().contains("alias refers to itself");
    }

    @Test
    void typesAreStrict() {
        assertThat(errors("""
            node: {name: n}
            dataplane:
              agents: "1"
              batch-size: 64.0
              interfaces: [{name: eth0}]
              neighbours: {reachable-time: yes}
            """, FeatureGate.DEFAULT)).containsExactly(
            "t.yaml:3:11: dataplane.agents: expected an integer, got the quoted string \"1\"",
            "t.yaml:4:15: dataplane.batch-size: expected an integer, got '64.0'",
            "t.yaml:6:32: dataplane.neighbours.reachable-time: expected an integer, got 'yes'");
        assertThat(errors(BASE.replace("[198.18.0.100/24]", "[198.18.0.100/24, 198.18.0.100/25]"), FeatureGate.ALL))
            .containsExactly("t.yaml:4:49: dataplane.interfaces[0].addresses[1]: "
                + "198.18.0.100 is already an address of interface 'cli0'");
        assertThat(errors("node: {name: n}\ndataplane: {agents: 99999999999999999999999, interfaces: [{name: e}]}\n",
            FeatureGate.DEFAULT)).singleElement().asString().endsWith("must be between 1 and 1024, got 99999999999999999999999");
    }

    @Test
    void afPacketRefusesXdpKeys() {
        assertThat(errors("node: {name: n}\ndataplane: {io: af_packet, zero-copy: on, interfaces: [{name: e}]}\n",
            FeatureGate.DEFAULT)).containsExactly(
            "t.yaml:2:39: dataplane.zero-copy: applies only when io is auto or af_xdp, not af_packet");
    }

    @Test
    void afPacketFanoutIsOwnerOrHashAndNotForAfXdp() throws Exception {
        assertThat(ConfigLoader.parse(
            "node: {name: n}\ndataplane: {io: af_packet, af-packet-fanout: hash, interfaces: [{name: e}]}\n", "t.yaml",
            FeatureGate.DEFAULT).dataplane().afPacketFanout()).isEqualTo(AfPacketFanout.HASH);
        assertThat(errors("node: {name: n}\ndataplane: {io: af_xdp, af-packet-fanout: owner, interfaces: [{name: e}]}\n",
            FeatureGate.DEFAULT)).singleElement().asString()
            .endsWith("dataplane.af-packet-fanout: applies only when io is auto or af_packet, not af_xdp");
        assertThat(errors("node: {name: n}\ndataplane: {af-packet-fanout: random, interfaces: [{name: e}]}\n",
            FeatureGate.DEFAULT)).singleElement().asString().contains("dataplane.af-packet-fanout");
    }

    @Test
    void afPacketVnetHeaderDefaultsToAutoWithItsRingAndIsRefusedWhereItDoesNotApply() throws Exception {
        final DataplaneConfig defaults = ConfigLoader.parse("node: {name: n}\ndataplane: {interfaces: [{name: e}]}\n", "t.yaml",
            FeatureGate.DEFAULT).dataplane();
        assertThat(defaults.afPacketVnetHeader()).isEqualTo(AfPacketVnetHeader.AUTO);
        assertThat(defaults.afPacketGsoRingSize()).isEqualTo(256);
        final DataplaneConfig set = ConfigLoader.parse("node: {name: n}\ndataplane: {io: af_packet, af-packet-vnet-header: on,"
            + " af-packet-gso-ring-size: 64, interfaces: [{name: e}]}\n", "t.yaml", FeatureGate.DEFAULT).dataplane();
        assertThat(set.afPacketVnetHeader()).isEqualTo(AfPacketVnetHeader.ON);
        assertThat(set.afPacketGsoRingSize()).isEqualTo(64);
        assertThat(errors("node: {name: n}\ndataplane: {io: af_xdp, af-packet-vnet-header: off, interfaces: [{name: e}]}\n",
            FeatureGate.DEFAULT)).singleElement().asString()
            .endsWith("dataplane.af-packet-vnet-header: applies only when io is auto or af_packet, not af_xdp");
        assertThat(errors("node: {name: n}\ndataplane: {af-packet-vnet-header: yes, interfaces: [{name: e}]}\n",
            FeatureGate.DEFAULT)).singleElement().asString().contains("dataplane.af-packet-vnet-header");
        assertThat(errors("node: {name: n}\ndataplane: {af-packet-gso-ring-size: 100, interfaces: [{name: e}]}\n",
            FeatureGate.DEFAULT)).singleElement().asString()
            .endsWith("dataplane.af-packet-gso-ring-size: must be a power of two, got 100");
        assertThat(errors("node: {name: n}\ndataplane: {af-packet-gso-ring-size: 8192, interfaces: [{name: e}]}\n",
            FeatureGate.DEFAULT)).singleElement().asString().contains("dataplane.af-packet-gso-ring-size");
        assertThat(errors("node: {name: n}\ndataplane: {af-packet-vnet-header: off, af-packet-gso-ring-size: 64,"
            + " interfaces: [{name: e}]}\n", FeatureGate.DEFAULT)).singleElement().asString()
            .contains("dataplane.af-packet-gso-ring-size: applies only with af-packet-vnet-header auto or on");
    }

    @Test
    void agentsAreBoundedByTheMachine() throws Exception {
        final ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(
            "node: {name: n}\ndataplane: {agents: 3, cpus: [0, 1, 2], interfaces: [{name: e}]}\n", "t.yaml", Path.of("/"),
            FeatureGate.DEFAULT, 2));
        assertThat(e.errors()).extracting(ConfigError::message)
            .containsExactly("must not exceed the 2 CPU cores of this machine, got 3");
        assertThat(ConfigLoader.parse("node: {name: n}\ndataplane: {agents: 2, cpus: [3, 1], interfaces: [{name: e}]}\n",
            "t.yaml", Path.of("/"), FeatureGate.DEFAULT, 2).dataplane().cpus()).containsExactly(3, 1);
    }

    @Test
    void featureGateRefusesAtTheKeyAndDoesNotRepeatItselfInside() {
        final String yaml = BASE + """
            listeners:
              - {name: t, protocol: tcp, mode: proxy, vip: 198.18.0.1, port: 443, group: g}
            backend-groups:
              - {name: g, health-check: {type: tcp, interval: 2}}
            """;
        final FeatureGate gate = FeatureGate.DEFAULT.withPlanned("backend-groups[].health-check", "health checks");
        assertThat(parse(yaml, FeatureGate.DEFAULT).backendGroups()).hasSize(1);
        assertThat(errors(yaml, gate)).containsExactly(
            "t.yaml:10:15: backend-groups[0].health-check: not supported yet (arrives with health checks)");
        assertThat(parse(yaml, FeatureGate.ALL).listeners()).hasSize(1);
    }

    @Test
    void valueFeaturesAreGatedOnTheirValue() {
        final FeatureGate noDnat = FeatureGate.DEFAULT.withPlanned("listeners[].mode=dnat", "DNAT forwarding");
        assertThat(noDnat.isSupported("listeners[].mode=dnat")).isFalse();
        assertThat(noDnat.isSupported("listeners[].mode=proxy")).isTrue();
        assertThat(FeatureGate.DEFAULT.isSupported("listeners[].mode=dnat")).isTrue();
        assertThat(errors(BASE + """
            listeners: [{name: t, protocol: tcp, mode: dnat, vip: 198.18.0.100, port: 80, group: g}]
            backend-groups: [{name: g}]
            """, noDnat)).singleElement().asString()
            .endsWith("listeners[0].mode: not supported yet (arrives with DNAT forwarding)");
        assertThat(FeatureGate.DEFAULT.isSupported("node")).isTrue();
        assertThat(FeatureGate.DEFAULT.features()).filteredOn(FeatureGate.Feature::supported)
            .extracting(FeatureGate.Feature::path).containsExactlyElementsOf(FeatureGate.FEATURES.stream()
                .map(FeatureGate.Feature::path).toList());
    }

    @Test
    void errorsBelowAValidationErrorStillSurfaceWithGateErrors() {
        assertThat(errors(BASE + "listeners: [{name: t, protocol: tcp, vip: 198.18.0.100, port: 0, group: g}]\n",
            FeatureGate.DEFAULT)).containsExactly(
            "t.yaml:7:63: listeners[0].port: must be between 1 and 65535, got 0",
            "t.yaml:7:73: listeners[0].group: unknown backend group 'g'");
    }

    @Test
    void crossChecks() {
        assertThat(errors(BASE + """
            listeners:
              - {name: a, protocol: tcp, vip: 198.18.0.100, port: 80, group: g, toa: {kind: 8}}
              - {name: a, protocol: udp, vip: 198.18.0.100, port: 80, group: g}
              - {name: r, protocol: http, vip: 198.18.0.100, port: 81, redirect-to: a}
              - {name: s, protocol: https, vip: 198.18.0.100, port: 443, group: ck, certificates: [{cert: ../examples/tls/db.pem,
                 key: ../examples/tls/db.key}],
                 rules: [{name: x, path: "[", path-match: regex, group: g}, {name: y, host: "a.b:80", group: g}]}
              - {name: d, protocol: tcp, mode: dnat, vip: 198.18.0.100, port: 82, group: pb, proxy-protocol: v2}
            backend-groups:
              - {name: g, backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.11, port: 80}]}
              - {name: ck, scheduler: sh, persistence: {type: insert}, slow-start: 5}
              - {name: pb, backends: [{address: 198.18.1.11, port: 80, backup: true}]}
              - {name: g, scheduler: mh, maglev-table-size: 65536}
            """, FeatureGate.ALL)).containsExactly(
            "t.yaml:8:81: listeners[0].toa.kind: must not be a standard TCP option kind, got 8",
            "t.yaml:9:12: listeners[1].name: listener 'a' is defined twice (first at listeners[0])",
            "t.yaml:10:73: listeners[2].redirect-to: listener 'a' is tcp; redirects go to an https listener",
            "t.yaml:13:30: listeners[3].rules[0].path: is not a valid regular expression: Unclosed character class near index 0",
            "t.yaml:13:81: listeners[3].rules[1].host: must not include a port, got 'a.b:80'",
            "t.yaml:14:98: listeners[4].proxy-protocol: is not used in dnat mode, which keeps the client address",
            "t.yaml:16:60: backend-groups[0].backends[1]: 198.18.1.11:80 is already a backend of this group",
            "t.yaml:17:51: backend-groups[1].persistence.type: insert persistence works with the rr and wrr schedulers, not sh",
            "t.yaml:17:72: backend-groups[1].slow-start: applies to the rr, wrr, lc and wlc schedulers only",
            "t.yaml:18:26: backend-groups[2].backends: a primary/backup group needs exactly two backends, "
                + "one of them with backup: true",
            "t.yaml:19:12: backend-groups[3].name: backend group 'g' is defined twice (first at backend-groups[0])",
            "t.yaml:19:49: backend-groups[3].maglev-table-size: must be a prime number (e.g. 65537), got 65536");
    }

    @Test
    void largeAclsAreAcceptedAndRulesAreCappedAt500() {
        final StringBuilder acl = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            acl.append(i == 0 ? "" : ", ").append("10.").append(i / 256).append('.').append(i % 256).append(".0/24");
        }
        final String groups = "backend-groups: [{name: g, backends: [{address: 198.18.1.11, port: 80}]}]\n";
        assertThat(parse(BASE + "listeners: [{name: t, protocol: tcp, vip: 198.18.0.100, port: 80, group: g, "
            + "acl: {mode: allow, cidrs: [" + acl + "]}}]\n" + groups, FeatureGate.ALL)
            .listener("t").orElseThrow().acl().cidrs()).hasSize(1000);

        final StringBuilder rules = new StringBuilder();
        for (int i = 0; i < 501; i++) {
            rules.append(i == 0 ? "" : ", ").append("{name: r").append(i).append(", path: /p").append(i).append(", group: g}");
        }
        assertThat(errors(BASE + "listeners: [{name: h, protocol: http, vip: 198.18.0.100, port: 80, group: g, rules: ["
            + rules + "]}]\n" + groups, FeatureGate.ALL)).singleElement().asString()
            .endsWith("listeners[0].rules: has 501 rules, at most 500 are allowed per listener");
    }

    @Test
    void gzipAndInboundProxyProtocolBindWithDefaults() {
        final FulcrumConfig config = parse(BASE + """
            listeners:
              - name: h
                protocol: http
                vip: 198.18.0.1
                port: 80
                group: g
                gzip: {min-bytes: 0, level: 9, types: [Text/HTML, application/json]}
                accept-proxy-protocol: {trusted-cidrs: [198.18.0.0/24, "2001:db8::/32"]}
              - {name: plain, protocol: http, vip: 198.18.0.1, port: 81, group: g, gzip: {}}
              - {name: off, protocol: http, vip: 198.18.0.1, port: 82, group: g}
            backend-groups: [{name: g, backends: [{address: 198.18.1.11, port: 80}]}]
            """, FeatureGate.DEFAULT);
        final ListenerConfig h = config.listener("h").orElseThrow();
        assertThat(h.gzip()).isEqualTo(new GzipConfig(true, List.of("text/html", "application/json"), 0, 9));
        assertThat(h.proxyProtocolFrom()).extracting(Object::toString)
            .containsExactly("198.18.0.0/24", "2001:db8::/32");
        assertThat(config.listener("plain").orElseThrow().gzip())
            .isEqualTo(new GzipConfig(true, GzipConfig.DEFAULT_TYPES, 1024, 6));
        assertThat(config.listener("off").orElseThrow().gzip()).isEqualTo(GzipConfig.OFF);
        assertThat(config.listener("off").orElseThrow().proxyProtocolFrom()).isEmpty();
    }

    @Test
    void gzipAndInboundProxyProtocolErrorsNameTheField() {
        assertThat(errors(BASE + """
            listeners:
              - {name: h, protocol: http, vip: 198.18.0.1, port: 80, group: g, gzip: {level: 0, types: [text/*, text/html]}}
              - {name: p, protocol: http, vip: 198.18.0.1, port: 81, group: g, gzip: {types: []}, accept-proxy-protocol: {}}
              - {name: q, protocol: http, vip: 198.18.0.1, port: 82, group: g,
                 accept-proxy-protocol: {trusted-cidrs: [10.0.0.1/8]}}
              - {name: t, protocol: tcp, mode: proxy, vip: 198.18.0.1, port: 83, group: g, gzip: {}, accept-proxy-protocol: {}}
              - {name: r, protocol: http, vip: 198.18.0.1, port: 84, group: g, accept-proxy-protocol: {trusted-cidrs: []}}
            backend-groups: [{name: g, backends: [{address: 198.18.1.11, port: 80}]}]
            """, FeatureGate.DEFAULT)).containsExactly(
            "t.yaml:8:82: listeners[0].gzip.level: must be between 1 and 9, got 0",
            "t.yaml:8:93: listeners[0].gzip.types[0]: must be a media type like text/html (no parameters, no wildcards), "
                + "got 'text/*'",
            "t.yaml:9:82: listeners[1].gzip.types: needs at least one media type (write enabled: false to turn compression off)",
            "t.yaml:9:110: listeners[1].accept-proxy-protocol.trusted-cidrs: is required",
            "t.yaml:11:46: listeners[2].accept-proxy-protocol.trusted-cidrs[0]: has host bits set (did you mean 10.0.0.0/8?)",
            "t.yaml:12:86: listeners[3].gzip: applies to http and https listeners only",
            "t.yaml:12:113: listeners[3].accept-proxy-protocol: applies to http and https listeners only",
            "t.yaml:13:107: listeners[4].accept-proxy-protocol.trusted-cidrs: needs at least one prefix (leave "
                + "accept-proxy-protocol out to accept PROXY headers from nobody)");
    }

    @Test
    void aclsApplyToEveryListener() {
        final FulcrumConfig config = parse(BASE + """
            listeners:
              - {name: h, protocol: http, vip: 198.18.0.1, port: 80, group: g, acl: {mode: allow, cidrs: [198.18.0.0/24]}}
              - {name: t, protocol: tcp, mode: proxy, vip: 198.18.0.1, port: 81, group: g, acl: {mode: deny, cidrs: ["::/0"]}}
              - {name: u, protocol: udp, mode: proxy, vip: 198.18.0.1, port: 81, group: g, acl: {mode: deny, cidrs: []}}
            backend-groups: [{name: g, backends: [{address: 198.18.1.11, port: 80}]}]
            """, FeatureGate.DEFAULT);
        assertThat(config.listeners()).extracting(l -> l.acl().mode()).containsExactly(AclMode.ALLOW, AclMode.DENY, AclMode.DENY);
    }

    @Test
    void persistenceMustFitTheListener() {
        assertThat(errors(BASE + """
            listeners:
              - {name: h, protocol: http, vip: 198.18.0.100, port: 80, group: ip}
              - {name: t, protocol: tcp, vip: 198.18.0.100, port: 81, group: ck}
            backend-groups:
              - {name: ip, persistence: {type: source-ip, cookie-name: X}}
              - {name: ck, persistence: {type: app-cookie}}
            """, FeatureGate.ALL)).containsExactly(
            "t.yaml:8:67: listeners[0].group: group 'ip' uses source-ip persistence, which works on tcp, udp and tls listeners; "
                + "use insert or app-cookie for http listeners",
            "t.yaml:9:66: listeners[1].group: group 'ck' uses app-cookie persistence, which needs an http or https listener",
            "t.yaml:11:60: backend-groups[0].persistence.cookie-name: applies to insert and app-cookie persistence only",
            "t.yaml:12:29: backend-groups[1].persistence.cookie-name: is required");
    }
}
