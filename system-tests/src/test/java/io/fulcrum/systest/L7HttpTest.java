package io.fulcrum.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The L7 stage through the real binary ({@code bin/fulcrum run} with examples/l7-http.yaml) in the namespace lab,
 * next to the packet-mode dataplane: curl through the HTTP listener to two python backends (rules by host and
 * path, forwarded headers, the default group, health checks, 503), and a proxy-mode TCP listener whose backend
 * parses the PROXY v2 header.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class L7HttpTest {
    private static final String URL = "http://198.18.0.1:8080";
    /** The metrics endpoint, inside the load balancer's namespace. */
    private static final String METRICS = "127.0.0.1:19107";
    private static Lab lab;
    private static Path work;
    private static FulcrumProcess fulcrum;
    private static final List<Process> backends = new ArrayList<>();
    private static Process b1;
    private static Process b2;

    @BeforeAll
    static void up() throws Exception {
        lab = Lab.up(2);
        work = Files.createTempDirectory("fulcrum-l7");
        b1 = backend("b1", "http", "b1", "80");
        b2 = backend("b2", "http", "b2", "80");
        backend("b1", "proxy2", "b1", "9000");
        final Path runDir = work.resolve("run");
        final Path config = work.resolve("l7-http.yaml");
        Files.writeString(config, Files.readString(Lab.root().resolve("examples/l7-http.yaml"))
            .replaceAll("(?m)^(\\s*run-dir:).*$", "$1 " + runDir)
            .replaceAll("(?m)^(\\s*path:) /dev/shm/fulcrum-l7-1/access.log$", "$1 " + work.resolve("access.log"))
            + "\ncontrol:\n  metrics:\n    address: " + METRICS + "\n");
        fulcrum = FulcrumProcess.start(lab.ns("lb"), config, runDir, Duration.ofSeconds(60));
        awaitOutput("backend 198.18.1.11:80 is up", "backend 198.18.1.12:80 is up");
    }

    @AfterAll
    static void down() throws Exception {
        try {
            if (fulcrum != null) {
                assertThat(fulcrum.stop()).isZero();
            }
        } finally {
            backends.forEach(Process::destroyForcibly);
            if (lab != null) {
                lab.close();
            }
        }
    }

    private static Process backend(final String role, final String... args) throws Exception {
        final Process p = lab.backend(work, role, args);
        backends.add(p);
        return p;
    }

    private static void awaitOutput(final String... lines) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            final String out = fulcrum.output();
            if (java.util.Arrays.stream(lines).allMatch(out::contains)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("fulcrum did not say " + List.of(lines) + ":\n" + fulcrum.output());
    }

    private static Lab.Result curl(final String... args) {
        final List<String> command = new ArrayList<>(List.of("curl", "-s", "-m", "5"));
        command.addAll(List.of(args));
        return lab.exec("client", Duration.ofSeconds(10), command.toArray(String[]::new));
    }

    private static String backendOf(final Lab.Result r) {
        assertThat(r.ok()).as(r.toString()).isTrue();
        return r.stdout().lines().findFirst().orElse("").replaceAll("^backend=(\\S+).*$", "$1");
    }

    /** PRODUCT.md's priority: exact host rules, then exact path > longest prefix > regex; the default group last. */
    @Order(1)
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "api.example.com, /static/x.css, b1",   // the host rule wins over the path rule
        "www.example.com, /static/x.css, b2",   // prefix
        "www.example.com, /health, b1",         // exact
        "www.example.com, /img/42.png, b2",     // regex
        "API.Example.COM:8080, /, b1",          // host matching ignores case and port
    })
    void rulesRouteByHostAndPath(final String host, final String path, final String backend) {
        assertThat(backendOf(curl("-H", "Host: " + host, URL + path))).isEqualTo(backend);
    }

    @Order(2)
    @Test
    void theDefaultGroupCatchesTheRestAndSpreadsOverBothBackends() {
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            seen.add(backendOf(curl(URL + "/healthz")));
        }
        assertThat(seen).containsExactlyInAnyOrder("b1", "b2");
    }

    @Order(3)
    @Test
    void forwardedHeadersArrive() {
        final String body = curl("-H", "Host: www.example.com", "-H", "X-Forwarded-For: 203.0.113.9", URL + "/static/h")
            .stdout();
        assertThat(body).contains("header x-forwarded-for: 203.0.113.9, 198.18.0.2", "header x-real-ip: 198.18.0.2",
            "header x-forwarded-proto: http", "header x-forwarded-port: 8080", "header x-forwarded-host: www.example.com",
            "header x-fulcrum-node: l7-1");
    }

    @Order(4)
    @Test
    void proxyModeTcpSendsProxyV2ThatTheBackendParses() {
        final Lab.Result r = lab.exec("client", Duration.ofSeconds(10), "sh", "-c",
            "printf 'ping\\n' | timeout 5 socat -t 2 - TCP:198.18.0.1:9000");
        assertThat(r.stdout()).as(r.toString()).containsPattern("backend=b1 proxy=198\\.18\\.0\\.2:\\d+->198\\.18\\.0\\.1:9000")
            .contains("ping");
    }

    @Order(5)
    @Test
    void theAccessLogHasTheRequests() throws Exception {
        final Path log = work.resolve("access.log");
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline && (!Files.exists(log) || !Files.readString(log).contains("/img/42.png"))) {
            Thread.sleep(50);
        }
        assertThat(Files.readString(log)).contains("\"GET http://www.example.com/img/42.png HTTP/1.1\"")
            .contains("\"198.18.1.12:80\"", "listener_web only-b2 198.18.0.1:8080");
    }

    /**
     * The L7 metrics of the real binary: the page passes promtool, and HTTP requests through the listener move the
     * listener's request, status-class, connection and byte counters, the backends' request, status and connection
     * counters and both latency histograms; {@code fulcrum stats} shows the same counters from the counters file.
     */
    @Order(6)
    @Test
    void l7MetricsMoveWithRequestsAndPassPromtool() throws Exception {
        final String before = scrape();
        final int requests = 6;
        for (int i = 0; i < requests; i++) {
            assertThat(curl(URL + "/metrics-probe-" + i).ok()).isTrue();
        }
        final String after = scrape();
        final String web = "listener=\"web\"";
        final String webListener = "listener=\"web\",protocol=\"http\",vip=\"198.18.0.1\",port=\"8080\"";
        for (final String series : List.of("fulcrum_l7_listener_requests_total{" + web + "}",
            "fulcrum_l7_listener_responses_total{" + web + ",class=\"2xx\"}",
            "fulcrum_l7_request_duration_seconds_count{" + web + "}",
            "fulcrum_l7_request_duration_seconds_bucket{" + web + ",le=\"+Inf\"}",
            "fulcrum_listener_connections_total{" + webListener + "}")) {
            assertThat(value(after, series) - value(before, series)).as(series).isGreaterThanOrEqualTo(requests);
        }
        assertThat(value(after, "fulcrum_listener_bytes_in_total{" + webListener + "}"))
            .isGreaterThan(value(before, "fulcrum_listener_bytes_in_total{" + webListener + "}"));
        assertThat(value(after, "fulcrum_listener_bytes_out_total{" + webListener + "}"))
            .isGreaterThan(value(before, "fulcrum_listener_bytes_out_total{" + webListener + "}"));
        assertThat(after).contains("fulcrum_l7_listener_responses_by_code_total{" + web + ",code=\"404\"}",
            "fulcrum_l7_listener_responses_by_code_total{" + web + ",code=\"499\"}",
            "fulcrum_l7_listener_connections_idle{" + web + "}", "# TYPE fulcrum_l7_request_duration_seconds histogram",
            "# TYPE fulcrum_l7_backend_response_duration_seconds histogram");
        // the default group spreads the requests over both backends: sum them
        long backendRequests = 0;
        long backend2xx = 0;
        long backendTimed = 0;
        long backendConns = 0;
        for (final String b : List.of("198.18.1.11:80", "198.18.1.12:80")) {
            final String labels = "group=\"all\",backend=\"" + b + "\"";
            backendRequests += value(after, "fulcrum_l7_backend_requests_total{" + labels + "}")
                - value(before, "fulcrum_l7_backend_requests_total{" + labels + "}");
            backend2xx += value(after, "fulcrum_l7_backend_responses_total{" + labels + ",class=\"2xx\"}")
                - value(before, "fulcrum_l7_backend_responses_total{" + labels + ",class=\"2xx\"}");
            final String timed = "fulcrum_l7_backend_response_duration_seconds_count{listener=\"web\"," + labels + "}";
            backendTimed += value(after, timed) - value(before, timed);
            backendConns += value(after, "fulcrum_backend_connections_total{" + labels + "}");
            assertThat(after).contains("fulcrum_backend_connections_active{" + labels + "}");
        }
        assertThat(backendRequests).isEqualTo(requests);
        assertThat(backend2xx).isEqualTo(requests);
        assertThat(backendTimed).isEqualTo(requests);
        assertThat(backendConns).isPositive();
        // the proxy-mode TCP listener's connection (test 4) is counted like any listener's
        assertThat(value(after, "fulcrum_listener_connections_total{listener=\"relay\",protocol=\"tcp\",vip=\"198.18.0.1\","
            + "port=\"9000\"}")).isPositive();
        assertThat(fulcrum.stats()).containsPattern("l7 listener web requests +[0-9,]+")
            .containsPattern("l7 backend all/198\\.18\\.1\\.11:80 status-2xx +[0-9,]+");
    }

    private static String scrape() throws Exception {
        final Lab.Result r = lab.exec("lb", Duration.ofSeconds(10), "curl", "-s", "-m", "5", "http://" + METRICS + "/metrics");
        assertThat(r.ok()).as(r.toString()).isTrue();
        final Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(r.stdout().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.getOutputStream().close();
        final String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check metrics:\n" + output).isZero();
        assertThat(output).as(output).doesNotContain("error");
        return r.stdout();
    }

    private static long value(final String page, final String series) {
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(series)
            + " ([0-9.eE+]+)$").matcher(page);
        assertThat(m.find()).as(series + " in the metrics page").isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    @Order(7)
    @Test
    void aStoppedBackendIsTakenOutByTheHealthCheckAndNoneLeftGives503() throws Exception {
        b2.destroy();
        awaitOutput("backend 198.18.1.12:80 is down");
        for (int i = 0; i < 6; i++) {
            assertThat(backendOf(curl(URL + "/any"))).isEqualTo("b1");
        }
        b1.destroy();
        awaitOutput("backend 198.18.1.11:80 is down");
        final Lab.Result r = curl("-i", URL + "/any");
        assertThat(r.stdout()).startsWith("HTTP/1.1 503").contains("x-fulcrum-error: no-healthy-backend");
        assertThat(value(scrape(), "fulcrum_l7_listener_responses_total{listener=\"web\",class=\"5xx\"}")).isPositive();
    }
}
