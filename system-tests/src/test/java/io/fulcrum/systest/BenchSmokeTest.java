package io.fulcrum.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the benchmark harness from rotting: runs {@code scripts/bench.sh --smoke} on the scenarios that together
 * cover every contender (http: all L4/L7 contenders; https: the TLS terminators) and checks that the report has a
 * row for each contender, measured or "not available in this build", that no peer failed, and that the plots and
 * the wrk cross-check were written. Needs root and the Debian peers (.ci/run installs them).
 */
class BenchSmokeTest {
    private static final List<String> HTTP_CONTENDERS = List.of("direct", "direct-wrk", "fulcrum-fullnat", "fulcrum-dnat",
        "fulcrum-proxy", "fulcrum-http", "nft-dnat", "haproxy-tcp", "haproxy-http", "nginx-stream", "nginx-http");
    private static final List<String> HTTPS_CONTENDERS = List.of("direct", "fulcrum-https", "haproxy-https", "nginx-https");

    @Test
    @Timeout(240)
    void smokeRunReportsEveryContender() throws Exception {
        final Path results = Files.createTempDirectory("fulcrum-bench-smoke");
        final Lab.Result run = Lab.run(Duration.ofSeconds(220), Lab.root().resolve("scripts/bench.sh").toString(),
            "--smoke", "--no-build", "--no-install", "--scenarios", "http https", "--results", results.toString(),
            "--timeout-s", "200");
        final String log = Files.exists(results.resolve("bench.log")) ? Files.readString(results.resolve("bench.log")) : "";
        assertThat(run.exitCode()).as("bench.sh failed: %s%nlog:%n%s", run, log).isZero();

        final String report = Files.readString(results.resolve("benchmarks.md"));
        assertThat(report).contains("<!-- bench.sh:begin -->", "<!-- bench.sh:end -->", "### Where Fulcrum stands",
            "Ratio fulcrum-bench / wrk =", "haproxy", "nginx version", "fulcrumRev");
        final String http = section(report, "### HTTP/1.1 keep-alive");
        for (final String c : HTTP_CONTENDERS) {
            assertThat(http).as("row for %s in the http table", c).containsPattern("\\| (\\*\\*)?" + c + "(\\*\\*)? \\|");
        }
        final String https = section(report, "### HTTPS keep-alive");
        for (final String c : HTTPS_CONTENDERS) {
            assertThat(https).as("row for %s in the https table", c).containsPattern("\\| (\\*\\*)?" + c + "(\\*\\*)? \\|");
        }

        // peers and the ceiling must measure; a Fulcrum contender is measured or refused by this build, never broken
        final List<String> runs = Files.readAllLines(results.resolve("runs.jsonl"));
        assertThat(runs).isNotEmpty();
        for (final String line : runs) {
            if (line.contains("\"contender\":\"fulcrum-")) {
                assertThat(line).as("fulcrum run: %s", line).containsAnyOf("\"status\":\"ok\"", "\"status\":\"unavailable\"");
            } else {
                assertThat(line).as("peer run: %s", line).contains("\"status\":\"ok\"");
            }
        }
        assertThat(results.resolve("plots/bench-http.svg")).content().startsWith("<svg").contains("nginx-stream");
        assertThat(results.resolve("plots/bench-https.svg")).exists();
        assertThat(results.resolve("plots/bench-http-latency.svg")).content().contains("<polyline");
    }

    private static String section(final String report, final String heading) {
        final int start = report.indexOf(heading);
        assertThat(start).as("section %s", heading).isNotNegative();
        final int end = report.indexOf("\n### ", start + heading.length());
        return end < 0 ? report.substring(start) : report.substring(start, end);
    }
}
