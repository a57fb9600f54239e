package io.fulcrum.tls.rules;

import io.fulcrum.tls.ForwardingRule;
import io.fulcrum.tls.ForwardingRule.PathMatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Table-driven rule matching. The worked example: rules on one listener, in this order,
 * <pre>
 *  r1  host www.example.com  path /api           PREFIX → api
 *  r2  host www.example.com  path /api/v2/login  EXACT  → login
 *  r3  host www.example.com  path ^/api/v[0-9]+/.*  REGEX → regex-first
 *  r4  host www.example.com  path /api/v2        PREFIX → api-v2
 *  r5  host www.example.com  (no path)                  → www
 *  r6  host *.example.com    path /static        PREFIX → wild-static
 *  r7  host *.example.com    (no path)                  → wild
 *  r8  host *.a.example.com  (no path)                  → deeper-wild
 *  r9  (no host)             path /health        EXACT  → health
 *  r10 (no host)             path ^/img/.*\.png  REGEX  → png
 *  r11 (no host)             path /img           PREFIX → img
 *  r12 (no host)             path ^/img/.*       REGEX  → never (r11's prefix wins over regex)
 * </pre>
 */
class RuleMatcherTest {
    static final List<ForwardingRule> RULES = List.of(
            ForwardingRule.forward("r1", "www.example.com", "/api", PathMatch.PREFIX, "api"),
            ForwardingRule.forward("r2", "www.example.com", "/api/v2/login", PathMatch.EXACT, "login"),
            ForwardingRule.forward("r3", "www.example.com", "^/api/v[0-9]+/.*", PathMatch.REGEX, "regex-first"),
            ForwardingRule.forward("r4", "www.example.com", "/api/v2", PathMatch.PREFIX, "api-v2"),
            ForwardingRule.forward("r5", "WWW.Example.com", null, null, "www"),
            ForwardingRule.forward("r6", "*.example.com", "/static", PathMatch.PREFIX, "wild-static"),
            ForwardingRule.forward("r7", "*.example.com", null, null, "wild"),
            ForwardingRule.forward("r8", "*.a.example.com", null, null, "deeper-wild"),
            ForwardingRule.forward("r9", null, "/health", PathMatch.EXACT, "health"),
            ForwardingRule.forward("r10", null, "^/img/.*\\.png", PathMatch.REGEX, "png"),
            ForwardingRule.forward("r11", null, "/img", PathMatch.PREFIX, "img"),
            ForwardingRule.forward("r12", null, "^/img/.*", PathMatch.REGEX, "never"));

    static final RuleMatcher MATCHER = new RuleMatcher(RULES);

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource({
        "www.example.com, /api/v2/login, login",        // exact beats everything
        "www.example.com, /api/v2/users, api-v2",       // longest prefix beats shorter prefix and regex
        "www.example.com, /api/v1/users, api",          // /api prefix beats the regex
        "www.example.com, /apix, api",                  // prefix is a plain string prefix
        "www.example.com, /other, www",                 // host-only rule when no path rule matches
        "www.example.com, /health, www",                // host class wins before host-less rules
        "img.example.com, /static/a.css, wild-static",  // wildcard + path
        "img.example.com, /x, wild",                    // wildcard host-only
        "x.a.example.com, /static/a.css, deeper-wild",  // most specific wildcard first (its host-only rule)
        "deep.x.example.com, /y, wild",                 // wildcard matches several labels
        "example.com, /health, health",                 // wildcard never matches the bare domain
        "other.org, /health, health",
        "other.org, /img/a.png, img",                   // prefix beats regex in the same class
        "other.org, /imgs, img",
        "other.org, /nothing, ",                        // default group
        "'', /health, health"                           // no Host (HTTP/1.0)
    })
    void priorityWorkedExample(String host, String path, String expectedGroup) {
        final ForwardingRule r = MATCHER.match(host, path);
        assertThat(r == null ? null : r.groupId()).isEqualTo(expectedGroup);
    }

    @Test
    void regexRulesApplyInOrder() {
        final RuleMatcher m = new RuleMatcher(List.of(
                ForwardingRule.forward("a", null, "^/x/.*", PathMatch.REGEX, "first"),
                ForwardingRule.forward("b", null, "^/x/y.*", PathMatch.REGEX, "second")));
        assertThat(m.match("h", "/x/yz").groupId()).isEqualTo("first");
    }

    @ParameterizedTest(name = "{0} → ''{1}''")
    @CsvSource({
        "'^/img/.*\\.png', /img/",
        "/a/b[0-9]+, /a/b",
        "^/ab?c, /a",
        "^/a+, /a",
        "'/x|/y', ''",
        "'\\d+/z', ''",
        "^/api/v{1}, /api/"
    })
    void regexLiteralPrefix(String regex, String prefix) {
        assertThat(RuleMatcher.PathTable.literalPrefix(regex)).isEqualTo(prefix == null ? "" : prefix);
    }

    @Test
    void fiveHundredRulesAllReachable() {
        final List<ForwardingRule> rules = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            rules.add(ForwardingRule.forward("h" + i, "host" + i + ".example.com", null, null, "h" + i));
            rules.add(ForwardingRule.forward("p" + i, null, "/svc" + i + "/", PathMatch.PREFIX, "p" + i));
        }
        final RuleMatcher m = new RuleMatcher(rules);
        for (int i = 0; i < 250; i++) {
            assertThat(m.match("host" + i + ".example.com", "/").groupId()).isEqualTo("h" + i);
            assertThat(m.match("nohost", "/svc" + i + "/x").groupId()).isEqualTo("p" + i);
        }
        assertThat(m.match("nohost", "/svc")).isNull();
    }
}
