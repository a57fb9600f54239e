package io.fulcrum.tls.rules;

import io.fulcrum.tls.ForwardingRule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Matches a request's host and path against the forwarding rules of one listener without scanning the rule list.
 *
 * <p>Order of precedence:
 * <ol>
 *   <li>rules whose host equals the request host (case-insensitive, port stripped), then rules of the most specific
 *       matching {@code *.suffix} wildcard, then rules without a host;</li>
 *   <li>within that host class: path exact, then the longest path prefix, then the first matching regex in rule
 *       order, then a host-only rule (no path);</li>
 *   <li>no match: the listener's default group ({@link #match} returns null).</li>
 * </ol>
 * Exact hosts and exact paths are hash lookups, wildcard hosts are found by hashing each dot-suffix of the host in
 * place (no substring allocation), prefixes by walking a character trie along the path; only regex rules are scanned,
 * and only those of the matching host class. Immutable and thread-safe; rebuilt on configuration change.
 */
public final class RuleMatcher {
    private final Map<String, PathTable> exactHosts = new HashMap<>();
    private final SuffixTable wildcardHosts;
    private final PathTable anyHost;

    /** Builds the index. Rules keep their list order for regex precedence. */
    public RuleMatcher(List<ForwardingRule> rules) {
        final Map<String, List<ForwardingRule>> exact = new HashMap<>();
        final Map<String, List<ForwardingRule>> wildcard = new HashMap<>();
        final List<ForwardingRule> any = new ArrayList<>();
        for (ForwardingRule r : rules) {
            if (r.host() == null) {
                any.add(r);
            } else if (r.host().startsWith("*.")) {
                wildcard.computeIfAbsent(r.host().substring(1), k -> new ArrayList<>()).add(r);
            } else {
                exact.computeIfAbsent(r.host(), k -> new ArrayList<>()).add(r);
            }
        }
        exact.forEach((h, rs) -> exactHosts.put(h, new PathTable(rs)));
        wildcardHosts = new SuffixTable(wildcard.size());
        wildcard.forEach((suffix, rs) -> wildcardHosts.put(suffix, new PathTable(rs)));
        anyHost = any.isEmpty() ? null : new PathTable(any);
    }

    /**
     * The rule for this request, or null for the default group.
     *
     * @param host lower-case host without port (may be empty)
     * @param path path without query, starting with {@code /}
     */
    public ForwardingRule match(String host, String path) {
        if (!exactHosts.isEmpty()) {
            final PathTable t = exactHosts.get(host);
            if (t != null) {
                final ForwardingRule r = t.match(path);
                if (r != null) {
                    return r;
                }
            }
        }
        if (wildcardHosts.size() > 0) {
            final ForwardingRule r = wildcardHosts.match(host, path);
            if (r != null) {
                return r;
            }
        }
        return anyHost == null ? null : anyHost.match(path);
    }

    /** Path rules of one host class. */
    static final class PathTable {
        private final Map<String, ForwardingRule> exact = new HashMap<>();
        private final PrefixTrie prefixes = new PrefixTrie();
        private final Pattern[] regexes;
        /**
         * Each thread's matchers of {@link #regexes}, reset for every path, so matching allocates nothing (a JDK
         * ThreadLocal rather than Netty's FastThreadLocal: the table is rebuilt on every configuration change, and a
         * FastThreadLocal's slot in every thread is never given back).
         */
        private final ThreadLocal<Matcher[]> matchers = ThreadLocal.withInitial(this::newMatchers);
        private final String[] regexLiteralPrefixes;
        private final ForwardingRule[] regexRules;
        private final ForwardingRule hostOnly;

        PathTable(List<ForwardingRule> rules) {
            final List<ForwardingRule> rx = new ArrayList<>();
            ForwardingRule any = null;
            for (ForwardingRule r : rules) {
                if (r.path() == null) {
                    if (any == null) {
                        any = r;
                    }
                    continue;
                }
                switch (r.pathMatch()) {
                    case EXACT -> exact.putIfAbsent(r.path(), r);
                    case PREFIX -> prefixes.putIfAbsent(r.path(), r);
                    case REGEX -> rx.add(r);
                    default -> throw new IllegalStateException(r.pathMatch().toString());
                }
            }
            hostOnly = any;
            regexRules = rx.toArray(new ForwardingRule[0]);
            regexes = new Pattern[regexRules.length];
            regexLiteralPrefixes = new String[regexRules.length];
            for (int i = 0; i < regexes.length; i++) {
                regexes[i] = Pattern.compile(regexRules[i].path());
                regexLiteralPrefixes[i] = literalPrefix(regexRules[i].path());
            }
        }

        ForwardingRule match(String path) {
            if (!exact.isEmpty()) {
                final ForwardingRule r = exact.get(path);
                if (r != null) {
                    return r;
                }
            }
            final ForwardingRule p = prefixes.longest(path);
            if (p != null) {
                return p;
            }
            if (regexes.length > 0) {
                final Matcher[] m = matchers.get();
                for (int i = 0; i < m.length; i++) {
                    // the literal prefix check skips most non-matching regexes without running the matcher
                    if (path.startsWith(regexLiteralPrefixes[i]) && m[i].reset(path).matches()) {
                        return regexRules[i];
                    }
                }
            }
            return hostOnly;
        }

        private Matcher[] newMatchers() {
            final Matcher[] m = new Matcher[regexes.length];
            for (int i = 0; i < m.length; i++) {
                m[i] = regexes[i].matcher("");
            }
            return m;
        }

        /**
         * The literal text every match of {@code regex} must start with (matches() anchors the whole path): the
         * characters after an optional {@code ^} up to the first metacharacter; empty when the pattern has an
         * alternation, whose branches could start differently.
         */
        static String literalPrefix(String regex) {
            if (regex.indexOf('|') >= 0) {
                return "";
            }
            int i = regex.startsWith("^") ? 1 : 0;
            final StringBuilder lit = new StringBuilder();
            for (; i < regex.length(); i++) {
                final char c = regex.charAt(i);
                if ("\\^$.|?*+()[]{}".indexOf(c) >= 0) {
                    break;
                }
                lit.append(c);
            }
            // a quantifier applies to the last literal character, which is then optional
            if (i < regex.length() && "?*{".indexOf(regex.charAt(i)) >= 0 && lit.length() > 0) {
                lit.setLength(lit.length() - 1);
            }
            return lit.toString();
        }
    }

    /** Character trie for longest-prefix match; children kept as sorted char arrays (binary search). */
    static final class PrefixTrie {
        private final Node root = new Node();

        void putIfAbsent(String prefix, ForwardingRule rule) {
            Node n = root;
            for (int i = 0; i < prefix.length(); i++) {
                n = n.childOrCreate(prefix.charAt(i));
            }
            if (n.rule == null) {
                n.rule = rule;
            }
        }

        ForwardingRule longest(String path) {
            Node n = root;
            ForwardingRule best = n.rule;
            for (int i = 0; i < path.length() && n != null; i++) {
                n = n.child(path.charAt(i));
                if (n != null && n.rule != null) {
                    best = n.rule;
                }
            }
            return best;
        }

        private static final class Node {
            private char[] keys = new char[0];
            private Node[] children = new Node[0];
            private ForwardingRule rule;

            Node child(char c) {
                final int i = java.util.Arrays.binarySearch(keys, c);
                return i >= 0 ? children[i] : null;
            }

            Node childOrCreate(char c) {
                int i = java.util.Arrays.binarySearch(keys, c);
                if (i >= 0) {
                    return children[i];
                }
                i = -i - 1;
                final char[] k = new char[keys.length + 1];
                final Node[] ch = new Node[keys.length + 1];
                System.arraycopy(keys, 0, k, 0, i);
                System.arraycopy(children, 0, ch, 0, i);
                System.arraycopy(keys, i, k, i + 1, keys.length - i);
                System.arraycopy(children, i, ch, i + 1, keys.length - i);
                k[i] = c;
                ch[i] = new Node();
                keys = k;
                children = ch;
                return ch[i];
            }
        }
    }

    /**
     * Open-addressing table from a wildcard suffix ({@code .example.com}) to its path table. Lookups hash each
     * dot-suffix of the host right to left with String's own hash recurrence, so no substring is created.
     */
    static final class SuffixTable {
        private final String[] keys;
        private final PathTable[] values;
        private final int mask;
        private int size;

        SuffixTable(int expected) {
            final int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
            keys = new String[cap];
            values = new PathTable[cap];
            mask = cap - 1;
        }

        int size() {
            return size;
        }

        void put(String suffix, PathTable table) {
            int i = spread(suffix.hashCode()) & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = suffix;
            values[i] = table;
            size++;
        }

        /** Most specific (longest) wildcard first; a wildcard never matches the bare domain itself. */
        ForwardingRule match(String host, String path) {
            final int len = host.length();
            for (int i = 1; i < len; i++) {
                if (host.charAt(i) != '.') {
                    continue;
                }
                int hash = 0;
                for (int k = i; k < len; k++) {
                    hash = 31 * hash + host.charAt(k);
                }
                final PathTable t = find(hash, host, i);
                if (t != null) {
                    final ForwardingRule r = t.match(path);
                    if (r != null) {
                        return r;
                    }
                }
            }
            return null;
        }

        private PathTable find(int hash, String host, int from) {
            final int suffixLength = host.length() - from;
            int i = spread(hash) & mask;
            String k;
            while ((k = keys[i]) != null) {
                if (k.length() == suffixLength && k.hashCode() == hash && host.regionMatches(from, k, 0, suffixLength)) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return null;
        }

        private static int spread(int h) {
            return h ^ (h >>> 16);
        }
    }
}
