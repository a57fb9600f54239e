package io.fulcrum.bench.http;

import io.fulcrum.tls.ForwardingRule;
import io.fulcrum.tls.ForwardingRule.PathMatch;
import io.fulcrum.tls.rules.RuleMatcher;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Forwarding-rule lookup with 500 rules on one listener: 200 exact hosts (half with a path prefix), 100 wildcard
 * hosts, 150 host-less path prefixes, 40 exact paths, 10 regexes; requests cycle over 1024 precomputed host/path pairs
 * that hit every class and the default.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class RuleMatcherBenchmark {
    private RuleMatcher matcher;
    private RuleMatcher noRegexMatcher;
    private String[] hosts;
    private String[] paths;
    private int i;

    /** Builds the rules and the request mix. */
    @Setup
    public void setup() {
        final List<ForwardingRule> rules = new ArrayList<>();
        for (int k = 0; k < 200; k++) {
            rules.add(ForwardingRule.forward("e" + k, "svc" + k + ".example.com", k % 2 == 0 ? "/api/v" + k : null,
                    PathMatch.PREFIX, "g"));
        }
        for (int k = 0; k < 100; k++) {
            rules.add(ForwardingRule.forward("w" + k, "*.tenant" + k + ".example.net", null, null, "g"));
        }
        for (int k = 0; k < 150; k++) {
            rules.add(ForwardingRule.forward("p" + k, null, "/static/" + k + "/", PathMatch.PREFIX, "g"));
        }
        for (int k = 0; k < 40; k++) {
            rules.add(ForwardingRule.forward("x" + k, null, "/exact/" + k, PathMatch.EXACT, "g"));
        }
        for (int k = 0; k < 10; k++) {
            rules.add(ForwardingRule.forward("r" + k, null, "^/rx" + k + "/[a-z]+/[0-9]+$", PathMatch.REGEX, "g"));
        }
        matcher = new RuleMatcher(rules);
        noRegexMatcher = new RuleMatcher(rules.stream().filter(r -> r.pathMatch() != PathMatch.REGEX).toList());
        final SplittableRandom rnd = new SplittableRandom(1);
        hosts = new String[1024];
        paths = new String[1024];
        for (int k = 0; k < 1024; k++) {
            switch (k % 6) {
                case 0 -> {
                    hosts[k] = "svc" + rnd.nextInt(200) + ".example.com";
                    paths[k] = "/api/v" + rnd.nextInt(200) + "/users/42";
                }
                case 1 -> {
                    hosts[k] = "www.tenant" + rnd.nextInt(100) + ".example.net";
                    paths[k] = "/index.html";
                }
                case 2 -> {
                    hosts[k] = "cdn.example.org";
                    paths[k] = "/static/" + rnd.nextInt(150) + "/app.js";
                }
                case 3 -> {
                    hosts[k] = "cdn.example.org";
                    paths[k] = "/exact/" + rnd.nextInt(40);
                }
                case 4 -> {
                    hosts[k] = "cdn.example.org";
                    paths[k] = "/rx" + rnd.nextInt(10) + "/abc/123";
                }
                default -> {
                    hosts[k] = "unknown.example.org";
                    paths[k] = "/nothing/here";
                }
            }
        }
    }

    /** One lookup. */
    @Benchmark
    public ForwardingRule match() {
        final int k = i++ & 1023;
        return matcher.match(hosts[k], paths[k]);
    }

    /** The same mix against the 490 non-regex rules (regex requests fall to the default). */
    @Benchmark
    public ForwardingRule matchNoRegexRules() {
        final int k = i++ & 1023;
        return noRegexMatcher.match(hosts[k], paths[k]);
    }
}
