package io.fulcrum.control.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fulcrum.control.protocol.TestNode;
import io.fulcrum.control.runtime.BackendHealth;
import io.fulcrum.control.runtime.ObjectStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: Debian's headless chromium loads it from an in-process node, runs its
 * script (which polls {@code /status.json}), and the rendered DOM shows every backend with its health and
 * weight. A screenshot is kept in target/ (docs/status-page.png is made the same way).
 */
class StatusPageTest {
    @TempDir
    Path tmp;

    @Test
    void browserShowsBackendsWithHealthAndWeight() throws Exception {
        try (TestNode node = new TestNode(TestNode.standardBody())) {
            node.state.health.put("web/198.18.1.2:80", BackendHealth.HEALTHY);
            node.state.health.put("web/198.18.1.3:8080", BackendHealth.UNHEALTHY);
            node.state.stats.put("listener web", new ObjectStats(1234, 17, 3, 0, 0, 0, 0));
            node.ctl("drain", "web", "198.18.1.3:8080");
            final String url = "http://127.0.0.1:" + node.httpPort + "/";

            final String dom = chromium(url, "--dump-dom");
            assertThat(dom).contains("<h1>Fulcrum <span id=\"node\">t1</span></h1>")
                .contains("data-endpoint=\"198.18.1.2:80\"").contains("data-endpoint=\"198.18.1.3:8080\"")
                .contains("data-endpoint=\"198.18.1.10:53\"")
                .contains("<td class=\"health healthy\">healthy</td>")
                .contains("<td class=\"health unhealthy\">unhealthy</td>")
                .contains("<td class=\"health unchecked\">unchecked</td>")
                .contains("<td class=\"draining\">draining</td>")
                .contains("web (wrr, health check on): 1 healthy, 1 unhealthy")
                .contains("<span id=\"error\" class=\"error\"></span>");
            final String row = dom.substring(dom.indexOf("data-endpoint=\"198.18.1.2:80\""));
            assertThat(row.substring(0, row.indexOf("</tr>"))).contains("<td class=\"num\">100</td>");

            final Path png = Path.of("target", "status-page.png").toAbsolutePath();
            Files.deleteIfExists(png);
            chromium(url, "--screenshot=" + png, "--window-size=1200,640");
            assertThat(png).exists();
            final byte[] header = Files.readAllBytes(png);
            assertThat(header.length).isGreaterThan(1000);
            assertThat(new String(header, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        }
    }

    private String chromium(final String url, final String... extra) throws Exception {
        final List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-dev-shm-usage", "--user-data-dir=" + tmp.resolve("profile"), "--virtual-time-budget=4000"));
        command.addAll(List.of(extra));
        command.add(url);
        final Path output = tmp.resolve("chromium.out");
        final Process p = new ProcessBuilder(command).redirectError(tmp.resolve("chromium.err").toFile())
            .redirectOutput(output.toFile()).start();
        if (!p.waitFor(45, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("chromium did not finish within 45 s: " + Files.readString(tmp.resolve("chromium.err")));
        }
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("chromium.err"))).isZero();
        return Files.readString(output);
    }
}
