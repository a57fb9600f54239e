package io.fulcrum.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a scripts/bench.sh results directory into the Markdown section of docs/benchmarks.md and the SVG plots.
 *
 * <p>The directory holds {@code meta.json} (versions, settings, load), {@code contenders.jsonl} (one line per
 * contender: name, kind {@code ceiling|fulcrum|peer}, description, command) and {@code runs.jsonl} (one line
 * per run: scenario, contender, tool, repeat, status {@code ok|unavailable|failed}, reason, result).
 *
 * <pre>
 *   fulcrum-bench report --results DIR --doc docs/benchmarks.md --plots docs/plots [--markdown-out FILE]
 * </pre>
 */
public final class ReportMain {
    static final String MARKER = "bench.sh";
    private static final List<String> SCENARIO_ORDER = List.of("http", "http-close", "https", "tcp-connect", "tcp-stream",
        "udp");
    private static final Map<String, String> TITLES = Map.of(
        "http", "HTTP/1.1 keep-alive (GET, small response)",
        "http-close", "HTTP/1.1, one request per TCP connection",
        "https", "HTTPS keep-alive (TLS terminated by the contender; driven by wrk)",
        "tcp-connect", "TCP connect + close (new connections per second)",
        "tcp-stream", "TCP stream throughput (upload to a discard server)",
        "udp", "Small UDP request/response (32-byte datagrams, echo)");

    private ReportMain() {
    }

    /** One contender's runs in one scenario. */
    record Row(String contender, String kind, String tool, String status, String reason, List<Map<String, Object>> results) {
        double median() {
            return ReportMain.median(values());
        }

        double[] values() {
            return results.stream().mapToDouble(r -> Json.number(r, "perSecond")).filter(v -> !Double.isNaN(v)).sorted()
                .toArray();
        }

        Map<String, Object> medianResult() {
            final List<Map<String, Object>> sorted = new ArrayList<>(results);
            sorted.sort(Comparator.comparingDouble(r -> Json.number(r, "perSecond")));
            return sorted.isEmpty() ? null : sorted.get((sorted.size() - 1) / 2);
        }

        boolean ok() {
            return "ok".equals(status) && !results.isEmpty();
        }
    }

    public static int main(final String[] args) throws IOException {
        Path results = null;
        Path doc = null;
        Path plots = null;
        Path markdownOut = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--results" -> results = Path.of(args[++i]);
                case "--doc" -> doc = Path.of(args[++i]);
                case "--plots" -> plots = Path.of(args[++i]);
                case "--markdown-out" -> markdownOut = Path.of(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("usage: fulcrum-bench report --results DIR [--doc FILE.md] [--plots DIR] "
                        + "[--markdown-out FILE]");
                    return 0;
                }
                default -> throw new IllegalArgumentException("report: unknown option '" + args[i] + "'");
            }
        }
        if (results == null) {
            throw new IllegalArgumentException("report: --results DIR is required");
        }
        final Map<String, Object> meta = Json.object(Json.parse(Files.readString(results.resolve("meta.json"))), "meta.json");
        final List<Map<String, Object>> contenders = Json.parseLines(Files.readString(results.resolve("contenders.jsonl")));
        final List<Map<String, Object>> runs = Json.parseLines(Files.readString(results.resolve("runs.jsonl")));
        final String plotLink = plots == null ? null : (doc == null ? plots : doc.toAbsolutePath().getParent()
            .relativize(plots.toAbsolutePath())).toString();
        final Map<String, String> svgs = new LinkedHashMap<>();
        final String markdown = render(meta, contenders, runs, plotLink, svgs);
        if (plots != null) {
            Files.createDirectories(plots);
            for (final Map.Entry<String, String> e : svgs.entrySet()) {
                Files.writeString(plots.resolve(e.getKey()), e.getValue());
            }
        }
        if (markdownOut != null) {
            Files.writeString(markdownOut, markdown);
        }
        if (doc != null) {
            final String existing = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n";
            Files.writeString(doc, MarkdownSection.replace(existing, MARKER, markdown));
            System.out.println("report: wrote the " + MARKER + " section of " + doc + (plots != null ? " and " + svgs.size()
                + " plots under " + plots : ""));
        } else if (markdownOut == null) {
            System.out.print(markdown);
        }
        return 0;
    }

    /** Builds the Markdown (and fills {@code svgs}: file name → SVG text). */
    static String render(final Map<String, Object> meta, final List<Map<String, Object>> contenders,
                         final List<Map<String, Object>> runs, final String plotLink, final Map<String, String> svgs) {
        final Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (final Map<String, Object> c : contenders) {
            byName.put(Json.string(c, "?", "contender"), c);
        }
        final Set<String> scenarios = new LinkedHashSet<>();
        for (final String s : SCENARIO_ORDER) {
            if (runs.stream().anyMatch(r -> s.equals(r.get("scenario")))) {
                scenarios.add(s);
            }
        }
        runs.forEach(r -> scenarios.add(Json.string(r, "?", "scenario")));

        final StringBuilder md = new StringBuilder(16_384);
        md.append("## End to end: Fulcrum against the kernel, HAProxy and nginx\n\n");
        md.append("Generated by `scripts/bench.sh` (do not edit between the markers; rerun the script). Command:\n\n```bash\n")
            .append(Json.string(meta, "scripts/bench.sh", "command")).append("\n```\n\n");
        md.append(String.format(Locale.ROOT, "Run of %s on %s: %s CPUs, kernel %s, %s; load average %s before, %s after. "
                + "Every contender ran alone, one after the other, on the same namespace lab (client → lb → 2 nginx backends), "
                + "with the load generator, the contender and the backends sharing the same CPUs, so **compare ratios within "
                + "this run, not absolute numbers across machines**.%n%n",
            Json.string(meta, "?", "date"), Json.string(meta, "?", "host"), Json.string(meta, "?", "cpus"),
            Json.string(meta, "?", "kernel"), Json.string(meta, "?", "jdk"), Json.string(meta, "?", "loadBefore"),
            Json.string(meta, "?", "loadAfter")));
        md.append("| setting | value |\n|---|---|\n");
        for (final String k : List.of("fulcrumRev", "duration", "warmup", "repeats", "connections", "threads", "haproxy",
            "nginx", "nft", "wrk", "openssl")) {
            if (Json.get(meta, k) != null) {
                md.append("| ").append(k).append(" | ").append(cell(Json.string(meta, "", k))).append(" |\n");
            }
        }
        md.append('\n');

        final StringBuilder summary = new StringBuilder();
        final StringBuilder details = new StringBuilder();
        for (final String scenario : scenarios) {
            final List<Row> rows = rows(scenario, runs, byName);
            scenarioSection(scenario, rows, plotLink, svgs, summary, details);
        }
        md.append("### Where Fulcrum stands\n\n").append(summary).append('\n');
        agreement(runs, md);
        md.append(details);
        md.append("### Contenders\n\n| contender | kind | what runs | command |\n|---|---|---|---|\n");
        for (final Map<String, Object> c : contenders) {
            md.append("| ").append(cell(Json.string(c, "", "contender"))).append(" | ").append(cell(Json.string(c, "", "kind")))
                .append(" | ").append(cell(Json.string(c, "", "description"))).append(" | `")
                .append(cell(Json.string(c, "", "command"))).append("` |\n");
        }
        md.append("\nThe configuration of every contender is in `scripts/bench/` (placeholders filled in by "
            + "`scripts/bench.sh`); the Fulcrum contenders use the documented configuration file (`docs/configuration.md`) and "
            + "`bin/fulcrum run --config FILE` in the lb namespace. A Fulcrum contender whose configuration the build "
            + "refuses (`bin/fulcrum validate` → `not supported yet`) is listed as *not available in this build* with "
            + "that reason, and lights up without any change here once the feature lands.\n");
        return md.toString();
    }

    static List<Row> rows(final String scenario, final List<Map<String, Object>> runs,
                          final Map<String, Map<String, Object>> contenders) {
        final Map<String, List<Map<String, Object>>> grouped = new LinkedHashMap<>();
        for (final String name : contenders.keySet()) {
            if (runs.stream().anyMatch(r -> scenario.equals(r.get("scenario")) && name.equals(r.get("contender")))) {
                grouped.put(name, new ArrayList<>());
            }
        }
        for (final Map<String, Object> r : runs) {
            if (scenario.equals(r.get("scenario"))) {
                grouped.computeIfAbsent(Json.string(r, "?", "contender"), k -> new ArrayList<>()).add(r);
            }
        }
        final List<Row> rows = new ArrayList<>();
        for (final Map.Entry<String, List<Map<String, Object>>> e : grouped.entrySet()) {
            final List<Map<String, Object>> lines = e.getValue();
            final Map<String, Object> c = contenders.get(e.getKey());
            final String kind = c == null ? "peer" : Json.string(c, "peer", "kind");
            final List<Map<String, Object>> ok = new ArrayList<>();
            String status = "ok";
            String reason = "";
            String tool = "";
            for (final Map<String, Object> line : lines) {
                tool = Json.string(line, tool, "tool");
                final String st = Json.string(line, "failed", "status");
                if ("ok".equals(st) && line.get("result") instanceof Map<?, ?>) {
                    ok.add(Json.object(line.get("result"), "result"));
                } else if (!"ok".equals(st)) {
                    status = st;
                    reason = Json.string(line, "", "reason");
                }
            }
            if (!ok.isEmpty() && !"unavailable".equals(status)) {
                status = "ok";
            }
            rows.add(new Row(e.getKey(), kind, tool, status, reason, ok));
        }
        return rows;
    }

    private static void scenarioSection(final String scenario, final List<Row> rows, final String plotLink,
                                        final Map<String, String> svgs, final StringBuilder summary,
                                        final StringBuilder details) {
        final String title = TITLES.getOrDefault(scenario, scenario);
        final boolean stream = "tcp-stream".equals(scenario);
        String unit = "ops/s";
        for (final Row r : rows) {
            if (r.ok()) {
                unit = Json.string(r.results.get(0), unit, "unit");
                break;
            }
        }
        final String shownUnit = stream ? "Gbit/s" : unit;
        final double scale = stream ? 8 / 1e9 : 1;
        Row best = null;
        for (final Row r : rows) {
            if ("fulcrum".equals(r.kind) && r.ok() && (best == null || r.median() > best.median())) {
                best = r;
            }
        }
        // summary
        summary.append("- **").append(title).append("**: ");
        if (best == null) {
            summary.append("no Fulcrum mode runs this scenario in this build (").append(reasons(rows)).append("). ");
            final Row top = rows.stream().filter(r -> r.ok() && "peer".equals(r.kind))
                .max(Comparator.comparingDouble(Row::median)).orElse(null);
            if (top != null) {
                summary.append(String.format(Locale.ROOT,
                    "Fulcrum is therefore behind every peer here; the best peer is %s at %s %s.",
                    top.contender, fmt(top.median() * scale), shownUnit));
            }
            summary.append('\n');
        } else {
            final Row fb = best;
            summary.append(String.format(Locale.ROOT, "best Fulcrum mode %s at %s %s", fb.contender, fmt(fb.median() * scale),
                shownUnit));
            final List<String> behind = new ArrayList<>();
            final List<String> ahead = new ArrayList<>();
            for (final Row r : rows) {
                if (!r.ok() || "fulcrum".equals(r.kind) || r.contender.endsWith("-wrk")) {
                    continue;
                }
                final double ratio = r.median() / fb.median();
                if (ratio > 1) {
                    behind.add(String.format(Locale.ROOT, "%s by %.0f %% (%s %s, %.2f×)", r.contender,
                        (1 - 1 / ratio) * 100, fmt(r.median() * scale), shownUnit, ratio));
                } else {
                    ahead.add(String.format(Locale.ROOT, "%s (%.2f×)", r.contender, ratio));
                }
            }
            if (!behind.isEmpty()) {
                summary.append(". **Fulcrum is behind** ").append(String.join(", ", behind));
            }
            if (!ahead.isEmpty()) {
                summary.append(behind.isEmpty() ? ". Fulcrum is ahead of " : "; ahead of ").append(String.join(", ", ahead));
            }
            summary.append(".\n");
        }

        // table
        details.append("### ").append(title).append("\n\n");
        details.append("| contender | tool | median ").append(shownUnit)
            .append(" | min – max (spread) | p50 | p99 | p99.9 | errors |"
            + " vs Fulcrum best |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        final List<Svg.Bar> bars = new ArrayList<>();
        final List<Svg.Series> curves = new ArrayList<>();
        for (final Row r : rows) {
            if (!r.ok()) {
                final String text = "unavailable".equals(r.status) ? "not available in this build" : "failed";
                details.append("| ").append(r.contender).append(" | ").append(r.tool).append(" | ").append(text)
                    .append(" | ").append(cell(r.reason)).append(" | | | | | |\n");
                bars.add(new Svg.Bar(r.contender, 0, 0, 0, false, text + (r.reason.isBlank() ? "" : ": "
                    + abbreviate(r.reason, 60))));
                continue;
            }
            final double[] v = r.values();
            final double med = r.median();
            final double spread = med > 0 ? (v[v.length - 1] - v[0]) / 2 / med * 100 : 0;
            final Map<String, Object> mr = r.medianResult();
            long errors = 0;
            for (final Map<String, Object> res : r.results) {
                final double e = Json.number(res, "errorTotal");
                errors += Double.isNaN(e) ? 0 : (long) e;
            }
            details.append(String.format(Locale.ROOT,
                "| %s%s%s | %s | %s | %s – %s (±%.1f %%, n=%d) | %s | %s | %s | %d | %s |%n",
                r == best ? "**" : "", r.contender, r == best ? "**" : "", r.tool, fmt(med * scale), fmt(v[0] * scale),
                fmt(v[v.length - 1] * scale), spread, v.length, lat(mr, "p50"), lat(mr, "p99"), lat(mr, "p99.9"), errors,
                best == null ? "n/a" : String.format(Locale.ROOT, "%.2f", med / best.median())));
            bars.add(new Svg.Bar(r.contender, med * scale, v[0] * scale, v[v.length - 1] * scale,
                "fulcrum".equals(r.kind), null));
            if (Json.get(mr, "latencyUs") instanceof Map<?, ?> lm) {
                final List<double[]> points = new ArrayList<>();
                for (final Map.Entry<?, ?> e : lm.entrySet()) {
                    final String k = e.getKey().toString();
                    if (k.startsWith("p") && e.getValue() instanceof Double d) {
                        points.add(new double[] {Double.parseDouble(k.substring(1)), d});
                    }
                }
                points.sort(Comparator.comparingDouble(p -> p[0]));
                curves.add(new Svg.Series(r.contender, points.stream().mapToDouble(p -> p[0]).toArray(),
                    points.stream().mapToDouble(p -> p[1]).toArray()));
            }
        }
        details.append('\n');
        if (best == null) {
            details.append("No Fulcrum mode is available for this scenario in this build, so the last column is n/a.\n\n");
        }
        final String barsFile = "bench-" + scenario + ".svg";
        svgs.put(barsFile, Svg.bars(title, shownUnit, bars));
        if (plotLink != null) {
            details.append("![").append(title).append("](").append(plotLink).append('/').append(barsFile).append(")\n");
        }
        if (!curves.isEmpty()) {
            final String latFile = "bench-" + scenario + "-latency.svg";
            svgs.put(latFile, Svg.percentiles(title + ": latency by percentile (median run)", curves));
            if (plotLink != null) {
                details.append("![latency](").append(plotLink).append('/').append(latFile).append(")\n");
            }
        }
        details.append('\n');
    }

    private static void agreement(final List<Map<String, Object>> runs, final StringBuilder md) {
        final Map<String, Double> fb = new LinkedHashMap<>();
        final Map<String, Double> wrk = new LinkedHashMap<>();
        for (final Map<String, Object> r : runs) {
            if ("http".equals(r.get("scenario")) && "ok".equals(r.get("status"))) {
                final double v = Json.number(r, "result", "perSecond");
                final String repeat = Json.string(r, "?", "repeat");
                if ("direct".equals(r.get("contender")) && !Double.isNaN(v)) {
                    fb.put(repeat, v);
                } else if ("direct-wrk".equals(r.get("contender")) && !Double.isNaN(v)) {
                    wrk.put(repeat, v);
                }
            }
        }
        md.append("### fulcrum-bench against wrk\n\n");
        final List<String> pairs = new ArrayList<>();
        final List<Double> ratios = new ArrayList<>();
        for (final Map.Entry<String, Double> e : fb.entrySet()) {
            final Double w = wrk.get(e.getKey());
            if (w != null && w > 0) {
                ratios.add(e.getValue() / w);
                pairs.add(String.format(Locale.ROOT, "%s / %s = %.3f", fmt(e.getValue()), fmt(w), e.getValue() / w));
            }
        }
        if (ratios.isEmpty()) {
            md.append("Not measured in this run (the http scenario with the direct path was not run).\n\n");
            return;
        }
        final double ratio = median(ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray());
        final double ofMedians = median(fb.values().stream().mapToDouble(Double::doubleValue).sorted().toArray())
            / median(wrk.values().stream().mapToDouble(Double::doubleValue).sorted().toArray());
        md.append(String.format(Locale.ROOT, "Same scenario (HTTP keep-alive, direct to one backend, 50 connections, one "
                + "thread each, same duration), fulcrum-bench and wrk runs adjacent in pairs so that "
                + "both see the same background load. Pairs (fulcrum-bench / wrk req/s): %s. "
                + "**Ratio fulcrum-bench / wrk = %.3f** "
                + "(median of the pair ratios; ratio of the medians %.3f): %s.%n%n", String.join("; ", pairs), ratio,
            ofMedians, Math.abs(ratio - 1) <= 0.10 ? "within 10 %" : "NOT within 10 %"));
    }

    /** The Fulcrum contenders' reasons, with the capability lists of "not supported yet" refusals merged. */
    private static String reasons(final List<Row> rows) {
        final String prefix = "bin/fulcrum validate: not supported yet: ";
        final Set<String> capabilities = new LinkedHashSet<>();
        final Set<String> other = new LinkedHashSet<>();
        for (final Row r : rows) {
            if (!"fulcrum".equals(r.kind) || r.ok()) {
                continue;
            }
            if (r.reason.startsWith(prefix)) {
                capabilities.addAll(List.of(r.reason.substring(prefix.length()).split(", ")));
            } else {
                other.add(r.contender + ": " + (r.reason.isBlank() ? r.status : r.reason));
            }
        }
        final List<String> parts = new ArrayList<>();
        if (!capabilities.isEmpty()) {
            parts.add("`bin/fulcrum validate` refuses the configs: not supported yet: " + String.join(", ", capabilities));
        }
        parts.addAll(other);
        return parts.isEmpty() ? "no Fulcrum contender applies" : String.join("; ", parts);
    }

    static double median(final double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        final int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    private static String lat(final Map<String, Object> result, final String key) {
        final double us = Json.number(result, "latencyUs", key);
        if (Double.isNaN(us)) {
            return "–";
        }
        return us >= 1000 ? String.format(Locale.ROOT, "%.2f ms", us / 1000) : String.format(Locale.ROOT, "%.0f µs", us);
    }

    static String fmt(final double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String cell(final String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    private static String abbreviate(final String text, final int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
