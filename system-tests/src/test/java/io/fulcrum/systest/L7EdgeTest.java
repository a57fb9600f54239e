package io.fulcrum.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The L7 stage's edges through the real binary on a node without packet mode, in the namespace lab: a request-smuggling
 * suite over raw sockets (each case gets its status, the connection is closed, and the backend's own request log never
 * shows a smuggled request), a slowloris client cut at the request timeout while another client is served, a WebSocket
 * echo, PROXY v1 (TCP) and v2 (UDP) parsed by backends, a PROXY header from an untrusted source refused, an ACL that
 * closes a denied client, and the 32-field access-log line of a retried request. Module tests (tls SmugglingTest,
 * AclTest, InboundProxyProtocolTest, AccessLogTest) cover the full case tables; this class proves the binary and the
 * YAML keys carry them.
 */
class L7EdgeTest {
    private static final String VIP = "198.18.0.1";
    private static final String ELB_FORMAT = "$msec $access_log_topic_id [$time_iso8601] $log_ver "
        + "$remote_addr:$remote_port $status \\\"$request_method $scheme://$host$router_request_uri "
        + "$server_protocol\\\" $request_length $bytes_sent $body_bytes_sent $request_time \\\"$upstream_status\\\" "
        + "\\\"$upstream_connect_time\\\" \\\"$upstream_header_time\\\" \\\"$upstream_response_time\\\" \\\"$upstream_addr\\\" "
        + "\\\"$http_user_agent\\\" \\\"$http_referer\\\" \\\"$http_x_forwarded_for\\\" $lb_name $listener_name "
        + "$listener_id $pool_name \\\"$member_name\\\" $tenant_id $eip_address:$eip_port \\\"$upstream_addr_priv\\\" "
        + "$certificate_id $ssl_protocol $ssl_cipher $sni_domain_name $tcpinfo_rtt";

    private static Lab lab;
    private static Path work;
    private static FulcrumProcess fulcrum;

    @BeforeAll
    static void up() throws Exception {
        lab = Lab.up(2);
        work = Files.createTempDirectory("fulcrum-l7edge");
        lab.backend(work, "b1", "http", "b1", "80");
        lab.backend(work, "b2", "http", "b2", "80");
        lab.backend(work, "b1", "proxy1", "b1", "9001");
        lab.backend(work, "b1", "udpproxy2", "b1", "9053");
        final Path runDir = work.resolve("run");
        final Path config = work.resolve("edge.yaml");
        Files.writeString(config, """
            node: {name: edge-1, run-dir: %s}
            dataplane: {}
            listeners:
              - name: web
                protocol: http
                vip: 198.18.0.1
                port: 8080
                group: web
                timeouts: {request: 2, response: 10, backend-connect: 2}
                accept-proxy-protocol: {trusted-cidrs: [198.18.1.0/24]}
                rules:
                  - {name: ws, path: /ws/, group: ws}
                  - {name: retry, path: /retry/, group: retry}
                access-log: {path: %s, format: "%s"}
              - {name: guarded, protocol: http, vip: 198.18.0.1, port: 8081, group: web,
                 acl: {mode: deny, cidrs: [198.18.0.2/32]}}
              - {name: relay-v1, protocol: tcp, mode: proxy, vip: 198.18.0.1, port: 9001, group: relay-v1, proxy-protocol: v1}
              - {name: dns-v2, protocol: udp, mode: proxy, vip: 198.18.0.1, port: 9053, group: dns-v2, proxy-protocol: v2}
            backend-groups:
              - {name: web, backends: [{address: 198.18.1.11, port: 80}]}
              - {name: ws, backends: [{address: 198.18.1.12, port: 80}]}
              - {name: retry, scheduler: rr, backends: [{address: 198.18.1.12, port: 81}, {address: 198.18.1.11, port: 80}]}
              - {name: relay-v1, backends: [{address: 198.18.1.11, port: 9001}]}
              - {name: dns-v2, backends: [{address: 198.18.1.11, port: 9053}]}
            """.formatted(runDir, work.resolve("access.log"), ELB_FORMAT));
        fulcrum = FulcrumProcess.start(lab.ns("lb"), config, runDir, Duration.ofSeconds(60));
    }

    @AfterAll
    static void down() throws Exception {
        try {
            if (fulcrum != null) {
                assertThat(fulcrum.stop()).isZero();
            }
        } finally {
            if (lab != null) {
                lab.close();
            }
        }
    }

    private static Lab.Result client(final Duration timeout, final String... args) {
        final List<String> command = new ArrayList<>(List.of("python3",
            Lab.root().resolve("system-tests/src/test/resources/client.py").toString()));
        command.addAll(List.of(args));
        return lab.exec("client", timeout, command.toArray(String[]::new));
    }

    private static String json(final String s) {
        final StringBuilder b = new StringBuilder("\"");
        for (final char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** Sends every case on its own connection from the client namespace; name → "status|closed|error reason". */
    private static Map<String, String> raw(final int port, final Map<String, String> cases) throws Exception {
        final StringBuilder list = new StringBuilder("[");
        cases.forEach((name, request) -> list.append(list.length() > 1 ? "," : "").append("{\"name\":").append(json(name))
            .append(",\"request\":").append(json(request)).append('}'));
        final Path file = Files.createTempFile(work, "cases", ".json");
        Files.writeString(file, list.append(']').toString(), java.nio.charset.StandardCharsets.ISO_8859_1);
        final Lab.Result r = lab.exec("client", Duration.ofSeconds(10L + 4L * cases.size()), "sh", "-c", "python3 "
            + Lab.root().resolve("system-tests/src/test/resources/client.py") + " raw " + VIP + " " + port + " < " + file);
        assertThat(r.ok()).as(r.toString()).isTrue();
        final Map<String, String> out = new LinkedHashMap<>();
        r.stdout().lines().forEach(l -> out.put(l.substring(0, l.indexOf('|')), l.substring(l.indexOf('|') + 1)));
        return out;
    }

    private static String backendLog(final String role) throws Exception {
        return Files.readString(work.resolve(role + "-http.log"));
    }

    @Test
    void smugglingAttemptsGetTheirStatusAreClosedAndNeverReachTheBackendAsTwoRequests() throws Exception {
        final String h = "Host: x\r\n";
        final String inner = "GET /inner HTTP/1.1\r\nHost: x\r\n\r\n";
        final Map<String, String> cases = new LinkedHashMap<>();
        final Map<String, String> expected = new LinkedHashMap<>();
        cases.put("CL.TE", "POST /s-clte HTTP/1.1\r\n" + h + "Content-Length: " + (5 + inner.length())
            + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + inner);
        expected.put("CL.TE", "400|closed");
        final String tecl = Integer.toHexString(inner.length());
        cases.put("TE.CL", "POST /s-tecl HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nContent-Length: "
            + (tecl.length() + 2) + "\r\n\r\n" + tecl + "\r\n" + inner + "\r\n0\r\n\r\n");
        expected.put("TE.CL", "400|closed");
        cases.put("TE.TE xchunked", "POST /s-te1 HTTP/1.1\r\n" + h + "Transfer-Encoding: xchunked\r\n\r\n");
        expected.put("TE.TE xchunked", "501|closed");
        cases.put("TE.TE space before colon", "POST /s-te2 HTTP/1.1\r\n" + h + "Transfer-Encoding : chunked\r\n\r\n"
            + "0\r\n\r\n" + inner);
        expected.put("TE.TE space before colon", "400|closed");
        cases.put("TE.TE chunked then identity", "POST /s-te3 HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n"
            + "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n" + inner);
        expected.put("TE.TE chunked then identity", "400|closed");
        cases.put("TE.TE obs-fold", "POST /s-te4 HTTP/1.1\r\n" + h + "X: y\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            + inner);
        expected.put("TE.TE obs-fold", "400|closed");
        cases.put("duplicate CL", "POST /s-cl2 HTTP/1.1\r\n" + h + "Content-Length: 5\r\nContent-Length: "
            + (5 + inner.length()) + "\r\n\r\nhello" + inner);
        expected.put("duplicate CL", "400|closed");
        cases.put("chunk size not hex", "POST /s-chunk1 HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n"
            + "zz\r\nhello\r\n0\r\n\r\n" + inner);
        expected.put("chunk size not hex", "400|closed");
        cases.put("chunk size overflow", "POST /s-chunk2 HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n"
            + "fffffffffffffffff1\r\nhello\r\n0\r\n\r\n" + inner);
        expected.put("chunk size overflow", "400|closed");
        cases.put("CR injection", "GET /s-cr HTTP/1.1\r\n" + h + "X-A: a\rGET /inner HTTP/1.1\r\n\r\n");
        expected.put("CR injection", "400|closed");
        cases.put("LF injection", "GET /s-lf HTTP/1.1\r\n" + h + "X-A: a\nContent-Length: 30\r\n\r\n" + inner);
        expected.put("LF injection", "400|closed");
        cases.put("header block too large", "GET /s-431 HTTP/1.1\r\n" + h + "X-Big: " + "b".repeat(70 * 1024) + "\r\n\r\n");
        expected.put("header block too large", "431|closed");
        cases.put("URI too long", "GET /s-414" + "a".repeat(33 * 1024) + " HTTP/1.1\r\n" + h + "\r\n");
        expected.put("URI too long", "414|closed");
        cases.put("obs-fold", "GET /s-fold HTTP/1.1\r\n" + h + "X-A: a\r\n folded\r\n\r\n");
        expected.put("obs-fold", "400|closed");
        cases.put("bare LF", "GET /s-lf2 HTTP/1.1\nHost: x\n\n" + inner);
        expected.put("bare LF", "400|closed");
        cases.put("PROXY from an untrusted source", "PROXY TCP4 203.0.113.5 198.18.0.1 40000 8080\r\nGET /s-proxy HTTP/1.1\r\n"
            + h + "\r\n");
        expected.put("PROXY from an untrusted source", "0|closed");
        // the control case: two legitimate pipelined requests are two requests
        cases.put("pipelined (legit)", "POST /legit-1 HTTP/1.1\r\n" + h + "Content-Length: 5\r\n\r\nhello"
            + "GET /legit-2 HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n");
        expected.put("pipelined (legit)", "200|closed");

        final Map<String, String> got = raw(8080, cases);
        assertThat(got.keySet()).containsExactlyElementsOf(cases.keySet());
        expected.forEach((name, status) -> {
            assertThat(got.get(name)).as(name).startsWith(status + "|");
            if (!status.startsWith("200") && !status.startsWith("0")) {
                assertThat(got.get(name)).as(name + ": x-fulcrum-error").doesNotEndWith("|-");
            }
        });
        Thread.sleep(300);
        final String seen = backendLog("b1");
        assertThat(seen).contains("request POST /legit-1", "request GET /legit-2").doesNotContain("/inner", "/s-");
    }

    @Test
    void anAclClosesADeniedClientBeforeReadingAndOthersAreServed() throws Exception {
        final Map<String, String> got = raw(8081, Map.of("denied", "GET /acl-denied HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertThat(got.get("denied")).startsWith("0|closed");
        final Lab.Result lb = lab.exec("lb", Duration.ofSeconds(10), "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
            "http://" + VIP + ":8081/acl-admitted");
        assertThat(lb.stdout()).as("a client outside the deny list").isEqualTo("200");
        Thread.sleep(200);
        assertThat(backendLog("b1")).contains("/acl-admitted").doesNotContain("/acl-denied");
    }

    @Test
    void slowlorisIsCutAtTheRequestTimeoutWhileAnotherClientIsServed() throws Exception {
        final CompletableFuture<Lab.Result> slow = CompletableFuture.supplyAsync(() -> client(Duration.ofSeconds(30), "slow",
            VIP, "8080", "0.5"));
        Thread.sleep(500);
        final long start = System.nanoTime();
        final Lab.Result other = lab.exec("client", Duration.ofSeconds(10), "curl", "-s", "-o", "/dev/null", "-w",
            "%{http_code}", "http://" + VIP + ":8080/while-slow");
        final long otherMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(other.stdout()).isEqualTo("200");
        assertThat(otherMs).as("the other client is served at once").isLessThan(1500);
        assertThat(slow.isDone()).as("the slow client is still held when the other one is served").isFalse();
        final Lab.Result r = slow.get();
        final Matcher m = Pattern.compile("status=(\\d+) after=([0-9.]+) closed=(\\w+)").matcher(r.stdout());
        assertThat(m.find()).as(r.toString()).isTrue();
        assertThat(m.group(1)).isEqualTo("408");
        assertThat(Double.parseDouble(m.group(2))).as("cut at the 2 s request timeout").isBetween(1.8, 4.0);
        assertThat(m.group(3)).isEqualTo("true");
    }

    @Test
    void aWebSocketEchoesThroughTheProxy() {
        final Lab.Result r = client(Duration.ofSeconds(20), "ws", VIP, "8080", "/ws/echo");
        assertThat(r.stdout()).as(r.toString()).isEqualTo("upgrade 101\ntext hello\nbinary 70000 ok\npong p\nclose 1000\n");
    }

    @Test
    void proxyModeTcpSendsV1AndUdpSendsV2ThatTheBackendsParse() {
        final Lab.Result tcp = lab.exec("client", Duration.ofSeconds(10), "sh", "-c",
            "printf 'ping\\n' | timeout 5 socat -t 2 - TCP:" + VIP + ":9001");
        assertThat(tcp.stdout()).as(tcp.toString())
            .containsPattern("backend=b1 proxy=198\\.18\\.0\\.2:\\d+->198\\.18\\.0\\.1:9001").contains("ping");
        final Lab.Result udp = client(Duration.ofSeconds(10), "udp", VIP, "9053", "hello");
        assertThat(udp.stdout()).as(udp.toString())
            .containsPattern("backend=b1 proxy=198\\.18\\.0\\.2:\\d+->198\\.18\\.0\\.1:9053 data=hello");
    }

    @Test
    void theAccessLogLineOfARetriedRequestHasAll32FieldsWithEveryTry() throws Exception {
        final Path log = work.resolve("access.log");
        String line = null;
        for (int i = 0; i < 6 && line == null; i++) {
            final Lab.Result r = lab.exec("client", Duration.ofSeconds(10), "curl", "-s", "-o", "/dev/null", "-w",
                "%{http_code}", "-A", "edge-agent", "http://" + VIP + ":8080/retry/" + i);
            assertThat(r.stdout()).isEqualTo("200");
            final long deadline = System.nanoTime() + 3_000_000_000L;
            while (line == null && System.nanoTime() < deadline) {
                line = Files.exists(log) ? Files.readAllLines(log).stream()
                    .filter(l -> l.contains("/retry/") && l.contains("198.18.1.12:81, ")).findFirst().orElse(null) : null;
                if (line == null) {
                    Thread.sleep(50);
                }
            }
        }
        assertThat(line).as("a request that tried the closed port first").isNotNull();
        final List<String> fields = new ArrayList<>();
        final Matcher m = Pattern.compile("\"[^\"]*\"|\\[[^\\]]*]|\\S+").matcher(line);
        while (m.find()) {
            fields.add(m.group());
        }
        assertThat(fields).as(line).hasSize(32);
        assertThat(fields.get(5)).isEqualTo("200");
        assertThat(fields.get(6)).startsWith("\"GET http://198.18.0.1");
        assertThat(fields.get(11)).isEqualTo("\"502, 200\"");
        assertThat(fields.get(15)).isEqualTo("\"198.18.1.12:81, 198.18.1.11:80\"");
        assertThat(fields.get(12).split(", ")).hasSize(2);
        assertThat(fields.get(16)).isEqualTo("\"edge-agent\"");
        assertThat(fields.get(20)).isEqualTo("listener_web");
        assertThat(fields.get(22)).contains("retry");
        System.out.println("access log of a retried request: " + line);
    }
}
