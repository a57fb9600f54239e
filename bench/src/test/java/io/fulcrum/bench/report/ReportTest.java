package io.fulcrum.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void jsonReadsNestedValuesEscapesAndNaN() {
        final Object v = Json.parse(" {\"a\": [1, 2.5e3, -3], \"s\": \"x\\\"y\\u00e9\\n\", \"t\": true, \"n\": null,"
            + " \"e\": \"NaN\", \"m\": NaN, \"o\": {}} ");
        assertThat(Json.number(v, "a")).isNaN();
        assertThat(Json.get(v, "a")).isEqualTo(List.of(1.0, 2500.0, -3.0));
        assertThat(Json.string(v, "?", "s")).isEqualTo("x\"yé\n");
        assertThat(Json.get(v, "t")).isEqualTo(Boolean.TRUE);
        assertThat(Json.get(v, "n")).isNull();
        assertThat(Json.number(v, "m")).isNaN();
        assertThat(Json.string(v, "fallback", "missing", "deeper")).isEqualTo("fallback");
        assertThatThrownBy(() -> Json.parse("{\"a\": }")).hasMessageContaining("offset");
        assertThatThrownBy(() -> Json.parse("[1] x")).hasMessageContaining("trailing");
        assertThatThrownBy(() -> Json.parseLines("{}\n{\"a\"\n")).hasMessageContaining("line 2");
    }

    @Test
    void markdownSectionReplacesOnlyBetweenMarkers() {
        final String doc = "# B\n\nhand written\n\n<!-- x:begin -->\nold\n<!-- x:end -->\n\nafter\n";
        final String out = MarkdownSection.replace(doc, "x", "new\n");
        assertThat(out).isEqualTo("# B\n\nhand written\n\n<!-- x:begin -->\nnew\n<!-- x:end -->\n\nafter\n");
        assertThat(MarkdownSection.replace("# B\n", "y", "body")).isEqualTo("# B\n\n<!-- y:begin -->\nbody\n<!-- y:end -->\n");
        assertThatThrownBy(() -> MarkdownSection.replace("<!-- z:end --> <!-- z:begin -->", "z", "b"))
            .hasMessageContaining("broken");
    }

    private static Map<String, Object> json(final String text) {
        return Json.object(Json.parse(text), "test");
    }

    private static int repeat;

    private static String run(final String scenario, final String contender, final String tool, final double perSecond,
                              final double p99Us) {
        repeat = repeat % 3 + 1;
        return "{\"scenario\":\"" + scenario + "\",\"contender\":\"" + contender + "\",\"tool\":\"" + tool
            + "\",\"repeat\":" + repeat
            + ",\"status\":\"ok\",\"result\":{\"unit\":\"req/s\",\"perSecond\":" + perSecond + ",\"errorTotal\":0,"
            + "\"latencyUs\":{\"p0\":10,\"p50\":100,\"p90\":200,\"p99\":" + p99Us + ",\"p99.9\":900,\"p100\":1000}}}";
    }

    @Test
    void reportSaysWhereFulcrumIsBehindAndListsUnavailableModes() {
        repeat = 0;
        final Map<String, Object> meta = json("{\"date\":\"today\",\"command\":\"scripts/bench.sh --smoke\","
            + "\"haproxy\":\"HAProxy version 2.6.12\",\"fulcrumRev\":\"abc1234\"}");
        final List<Map<String, Object>> contenders = Json.parseLines("""
            {"contender":"direct","kind":"ceiling","description":"d","command":"c"}
            {"contender":"direct-wrk","kind":"ceiling","description":"d","command":"c"}
            {"contender":"fulcrum-fullnat","kind":"fulcrum","description":"f","command":"c"}
            {"contender":"fulcrum-proxy","kind":"fulcrum","description":"f","command":"c"}
            {"contender":"haproxy-tcp","kind":"peer","description":"h","command":"c | pipe"}
            """);
        final String runs = String.join("\n",
            run("http", "direct", "fulcrum-bench", 50_000, 500), run("http", "direct", "fulcrum-bench", 48_000, 500),
            run("http", "direct", "fulcrum-bench", 49_000, 500), run("http", "direct-wrk", "wrk", 50_000, 400),
            run("http", "direct-wrk", "wrk", 47_000, 400), run("http", "direct-wrk", "wrk", 52_000, 400),
            "{\"scenario\":\"http\",\"contender\":\"fulcrum-fullnat\",\"tool\":\"fulcrum-bench\",\"status\":\"unavailable\","
                + "\"reason\":\"bin/fulcrum validate: not supported yet: L4 listeners\"}",
            run("http", "fulcrum-proxy", "fulcrum-bench", 20_000, 800),
            run("http", "fulcrum-proxy", "fulcrum-bench", 22_000, 800),
            run("http", "haproxy-tcp", "fulcrum-bench", 25_000, 700), run("http", "haproxy-tcp", "fulcrum-bench", 26_000, 700),
            "{\"scenario\":\"udp\",\"contender\":\"fulcrum-proxy\",\"tool\":\"fulcrum-bench\",\"status\":\"unavailable\","
                + "\"reason\":\"not supported yet: L4 proxy mode\"}",
            "{\"scenario\":\"udp\",\"contender\":\"fulcrum-fullnat\",\"tool\":\"fulcrum-bench\",\"status\":\"unavailable\","
                + "\"reason\":\"bin/fulcrum validate: not supported yet: L4 listeners, FULLNAT forwarding\"}",
            run("udp", "direct", "fulcrum-bench", 60_000, 300));
        final Map<String, String> svgs = new LinkedHashMap<>();
        final String md = ReportMain.render(meta, contenders, Json.parseLines(runs), "plots", svgs);

        assertThat(md).contains("scripts/bench.sh --smoke", "| fulcrumRev | abc1234 |", "HAProxy version 2.6.12");
        // medians: proxy 21,000; haproxy 25,500 → Fulcrum is behind haproxy-tcp by 18 % (1.21×)
        assertThat(md).contains("best Fulcrum mode fulcrum-proxy at 21,000 req/s")
            .contains("**Fulcrum is behind** direct by 57 %")
            .contains("haproxy-tcp by 18 % (25,500 req/s, 1.21×)");
        assertThat(md).contains("| fulcrum-fullnat | fulcrum-bench | not available in this build | "
            + "bin/fulcrum validate: not supported yet: L4 listeners |");
        assertThat(md).contains("| **fulcrum-proxy** | fulcrum-bench | 21,000 | 20,000 – 22,000 (±4.8 %, n=2)");
        assertThat(md).contains("| haproxy-tcp | fulcrum-bench | 25,500 |").contains("| 1.21 |");
        // wrk cross-check, pairs by repeat: 50/50, 48/47, 49/52 → median ratio 1.000; medians 49,000 / 50,000
        assertThat(md).contains("50,000 / 50,000 = 1.000; 48,000 / 47,000 = 1.021; 49,000 / 52,000 = 0.942")
            .contains("**Ratio fulcrum-bench / wrk = 1.000** (median of the pair ratios; ratio of the medians 0.980):"
                + " within 10 %");
        // a scenario without any Fulcrum mode says so plainly
        assertThat(md).contains("(`bin/fulcrum validate` refuses the configs: not supported yet: L4 listeners,"
            + " FULLNAT forwarding;"
            + " fulcrum-proxy: not supported yet: L4 proxy mode)");
        assertThat(md).contains("`c \\| pipe`");
        assertThat(md).contains("![HTTP/1.1 keep-alive (GET, small response)](plots/bench-http.svg)");
        assertThat(svgs).containsKeys("bench-http.svg", "bench-http-latency.svg", "bench-udp.svg");
        assertThat(svgs.get("bench-http.svg")).startsWith("<svg").contains("not available in this build")
            .contains(">fulcrum-proxy<").endsWith("</svg>\n");
        assertThat(svgs.get("bench-http-latency.svg")).contains("<polyline").contains(">haproxy-tcp<");
    }

    @Test
    void svgEscapesTextAndCompactsNumbers() {
        assertThat(Svg.escape("a<b & \"c\"")).isEqualTo("a&lt;b &amp; &quot;c&quot;");
        assertThat(Svg.compact(1_234_567)).isEqualTo("1.23M");
        assertThat(Svg.compact(48_200)).isEqualTo("48.2k");
        assertThat(Svg.compact(2.186)).isEqualTo("2.19");
        final String svg = Svg.bars("t<1>", "req/s", List.of(new Svg.Bar("x", 10, 8, 12, true, null)));
        assertThat(svg).contains("t&lt;1&gt;").contains("<rect x=");
    }

    @Test
    void jmhTableHasAllocationPerOperationForEveryBenchmark() {
        final List<?> results = (List<?>) Json.parse("""
            [{"benchmark":"io.fulcrum.bench.scheduler.SchedulerPickBenchmark.pick","mode":"avgt",
              "params":{"algorithm":"wrr","backends":"16"},
              "primaryMetric":{"score":12.345,"scoreError":0.5,"scoreUnit":"ns/op"},
              "secondaryMetrics":{"gc.alloc.rate.norm":{"score":0.0012,"scoreError":"NaN","scoreUnit":"B/op"}}},
             {"benchmark":"io.fulcrum.bench.forwarder.ArpIcmpBench.arpReply","mode":"thrpt",
              "primaryMetric":{"score":12345678.9,"scoreError":"NaN","scoreUnit":"ops/s"},"secondaryMetrics":{}}]
            """);
        final String table = JmhReport.table(results, "scripts/jmh.sh", "note text");
        assertThat(table).contains("note text")
            .contains("| scheduler.SchedulerPickBenchmark.pick | algorithm=wrr, backends=16 | avgt | 12.3 | 0.500 | ns/op"
                + " | 0.001 B/op |")
            .contains("| forwarder.ArpIcmpBench.arpReply |  | thrpt | 12,345,679 | – | ops/s"
                + " | not measured (run with -prof gc) |");
    }
}
