package io.fulcrum.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.tls.AclSettings;
import io.fulcrum.tls.ForwardingRule;
import io.fulcrum.tls.GzipSettings;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.L4ListenerSettings;
import io.fulcrum.tls.ProxyProtocolVersion;
import org.junit.jupiter.api.Test;

/** examples/l7-http.yaml loads with this build's gate and maps onto the stage's settings records. */
class L7BindingTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theL7ExampleMapsOntoTheStageSettings() throws Exception {
        final FulcrumConfig config = ConfigLoader.load(ROOT.resolve("examples/l7-http.yaml"));
        final List<HttpListenerSettings> http = L7Binding.httpListeners(config);
        assertThat(http).hasSize(1);
        final HttpListenerSettings web = http.getFirst();
        assertThat(web.address().getAddress().getHostAddress()).isEqualTo("198.18.0.1");
        assertThat(web.address().getPort()).isEqualTo(8080);
        assertThat(web.defaultGroupId()).isEqualTo("all");
        assertThat(web.groups()).extracting(g -> g.id()).containsExactly("all", "only-b1", "only-b2");
        assertThat(web.group("all").backends()).extracting(b -> b.id()).containsExactly("198.18.1.11:80", "198.18.1.12:80");
        assertThat(web.rules()).extracting(ForwardingRule::pathMatch).containsExactly(null, ForwardingRule.PathMatch.PREFIX,
            ForwardingRule.PathMatch.EXACT, ForwardingRule.PathMatch.REGEX);
        assertThat(web.headers().nodeHeaderName()).isEqualTo("X-Fulcrum-Node");
        assertThat(web.headers().nodeHeaderValue()).isEqualTo("l7-1");
        assertThat(web.timeouts().request().toSeconds()).isEqualTo(30);
        assertThat(web.accessLog().file()).isEqualTo(Path.of("/dev/shm/fulcrum-l7-1/access.log"));

        final List<L4ListenerSettings> l4 = L7Binding.l4Listeners(config);
        assertThat(l4).singleElement().satisfies(l -> {
            assertThat(l.protocol()).isEqualTo(L4ListenerSettings.Protocol.TCP);
            assertThat(l.proxyProtocol()).isEqualTo(ProxyProtocolVersion.V2);
            assertThat(l.resetOnExpiry()).isTrue();
            assertThat(l.idleTimeout().toSeconds()).isEqualTo(900);
        });
        assertThat(L7Binding.stageGroups(config)).hasSize(4);
    }

    @Test
    void gzipInboundProxyAndAclsReachTheStage() throws Exception {
        final FulcrumConfig config = ConfigLoader.parse("""
            node: {name: n}
            dataplane: {}
            listeners:
              - name: w
                protocol: http
                vip: 127.0.0.1
                port: 8080
                group: g
                gzip: {types: [text/html], min-bytes: 10, level: 3}
                accept-proxy-protocol: {trusted-cidrs: [10.0.0.0/8]}
                acl: {mode: deny, cidrs: [192.0.2.0/24]}
              - {name: plain, protocol: http, vip: 127.0.0.1, port: 8081, group: g}
              - {name: t, protocol: tcp, mode: proxy, vip: 127.0.0.1, port: 9001, group: g, acl: {mode: allow, cidrs: []}}
            backend-groups:
              - {name: g, backends: [{address: 127.0.0.1, port: 9000}]}
            """, "t.yaml");
        final HttpListenerSettings w = L7Binding.httpListeners(config).get(0);
        assertThat(w.gzip()).isEqualTo(new GzipSettings(true, java.util.Set.of("text/html"), 10, 3));
        assertThat(w.trustedProxyCidrs()).containsExactly("10.0.0.0/8");
        assertThat(w.acl()).isEqualTo(new AclSettings(AclSettings.Mode.DENY, List.of("192.0.2.0/24")));
        final HttpListenerSettings plain = L7Binding.httpListeners(config).get(1);
        assertThat(plain.gzip().enabled()).isFalse();
        assertThat(plain.trustedProxyCidrs()).isEmpty();
        assertThat(plain.acl()).isEqualTo(AclSettings.OFF);
        assertThat(L7Binding.l4Listeners(config).get(0).acl()).isEqualTo(new AclSettings(AclSettings.Mode.ALLOW, List.of()));
    }

    @Test
    void aNodeWithoutPacketModeNeedsNoInterfaces() throws Exception {
        final FulcrumConfig config = ConfigLoader.parse("""
            node: {name: n}
            dataplane: {}
            listeners:
              - {name: w, protocol: http, vip: 127.0.0.1, port: 8080, group: g}
            backend-groups:
              - {name: g, backends: [{address: 127.0.0.1, port: 9000}]}
            """, "t.yaml");
        assertThat(config.dataplane().interfaces()).isEmpty();
        assertThat(L7Binding.httpListeners(config)).hasSize(1);
    }

    @Test
    void anHttpsGroupCarriesItsBackendTlsToTheStage() throws Exception {
        final FulcrumConfig config = ConfigLoader.load(ROOT.resolve("examples/full.yaml"));
        final io.fulcrum.tls.BackendGroupSettings api = L7Binding.group(config, "api");
        assertThat(api.tls()).isEqualTo(new io.fulcrum.tls.BackendTlsSettings(true,
            ROOT.resolve("examples/tls/backends-ca.pem"), "api.internal.example.org"));
        assertThat(L7Binding.group(config, "web").tls()).isNull();
    }
}
