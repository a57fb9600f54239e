package io.fulcrum.tls.accesslog;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A compiled nginx-style format: literals and {@code $variables}. Unknown variables are rejected when compiling.
 * Static values (lb name, tenant, topic id, log version) come from the stage options.
 */
public final class AccessLogFormat {
    /** Variable names this format understands. */
    public static final List<String> VARIABLES = List.of("msec", "access_log_topic_id", "time_iso8601", "time_local",
            "log_ver", "remote_addr", "remote_port", "status", "request_method", "scheme", "host",
            "router_request_uri", "request_uri", "server_protocol", "request_length", "bytes_sent", "body_bytes_sent",
            "request_time", "upstream_status", "upstream_connect_time", "upstream_header_time",
            "upstream_response_time", "upstream_addr", "http_user_agent", "http_referer", "http_x_forwarded_for",
            "lb_name", "listener_name", "listener_id", "pool_name", "member_name", "tenant_id", "eip_address",
            "eip_port", "upstream_addr_priv", "certificate_id", "ssl_protocol", "ssl_cipher", "sni_domain_name",
            "tcpinfo_rtt", "node_name", "group_name", "server_addr", "server_port", "ssl_server_name", "request_id");

    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX")
            .withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z")
            .withZone(ZoneId.systemDefault());

    private static final List<String> BUILT_IN_HEADERS = List.of("http_user_agent", "http_referer",
            "http_x_forwarded_for");

    private final String[] literals;
    private final String[] variables;
    private final String[] requestHeaders;
    private final int[] headerIndex;
    private final Map<String, String> statics;
    /** {@code $request_id}: a random per-format prefix and a sequence number, 32 hex digits. */
    private final long requestIdPrefix = new java.security.SecureRandom().nextLong();
    private final java.util.concurrent.atomic.AtomicLong requestIds = new java.util.concurrent.atomic.AtomicLong();

    private AccessLogFormat(String[] literals, String[] variables, Map<String, String> statics) {
        this.literals = literals;
        this.variables = variables;
        this.statics = statics;
        final List<String> headers = new ArrayList<>();
        this.headerIndex = new int[variables.length];
        for (int i = 0; i < variables.length; i++) {
            headerIndex[i] = -1;
            if (isExtraHeader(variables[i])) {
                final String header = variables[i].substring(5).replace('_', '-');
                if (!headers.contains(header)) {
                    headers.add(header);
                }
                headerIndex[i] = headers.indexOf(header);
            }
        }
        this.requestHeaders = headers.toArray(new String[0]);
    }

    private static boolean isExtraHeader(String variable) {
        return variable.startsWith("http_") && variable.length() > 5 && !BUILT_IN_HEADERS.contains(variable);
    }

    /**
     * Lower-case names of the request headers the format logs through {@code $http_<name>} ({@code _} read as
     * {@code -}), beyond User-Agent, Referer and X-Forwarded-For. The stage captures their values per request only when
     * this is not empty.
     */
    public String[] requestHeaders() {
        return requestHeaders.clone();
    }

    /** Number of extra request headers ({@link #requestHeaders()}). */
    public int requestHeaderCount() {
        return requestHeaders.length;
    }

    /** Name of extra request header {@code i}. */
    public String requestHeader(int i) {
        return requestHeaders[i];
    }

    /**
     * Compiles a format.
     *
     * @param format  text with {@code $name} references
     * @param statics values of {@code lb_name}, {@code tenant_id}, {@code access_log_topic_id}, {@code log_ver},
     *                {@code certificate_id} (missing ones print {@code -})
     */
    public static AccessLogFormat compile(String format, Map<String, String> statics) {
        final List<String> lits = new ArrayList<>();
        final List<String> vars = new ArrayList<>();
        final StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < format.length()) {
            final char c = format.charAt(i);
            if (c != '$') {
                lit.append(c);
                i++;
                continue;
            }
            final boolean braces = i + 1 < format.length() && format.charAt(i + 1) == '{';
            final int nameStart = braces ? i + 2 : i + 1;
            int j = nameStart;
            while (j < format.length() && (Character.isLetterOrDigit(format.charAt(j)) || format.charAt(j) == '_')) {
                j++;
            }
            final String name = format.substring(nameStart, j);
            if (braces) {
                if (j >= format.length() || format.charAt(j) != '}') {
                    throw new IllegalArgumentException("access log variable ${" + name + " has no closing brace");
                }
                j++;
            }
            if (!VARIABLES.contains(name) && !isExtraHeader(name)) {
                throw new IllegalArgumentException("unknown access log variable $" + name);
            }
            lits.add(lit.toString());
            lit.setLength(0);
            vars.add(name);
            i = j;
        }
        lits.add(lit.toString());
        return new AccessLogFormat(lits.toArray(new String[0]), vars.toArray(new String[0]), Map.copyOf(statics));
    }

    /** Number of variables in the format. */
    public int variableCount() {
        return variables.length;
    }

    /** Appends the formatted line (without newline). */
    public void format(AccessLogEntry e, StringBuilder out) {
        for (int i = 0; i < variables.length; i++) {
            out.append(literals[i]);
            if (headerIndex[i] >= 0) {
                escaped(out, e.requestHeaders() == null ? null : e.requestHeaders()[headerIndex[i]]);
                continue;
            }
            append(e, variables[i], out);
        }
        out.append(literals[variables.length]);
    }

    private void append(AccessLogEntry e, String v, StringBuilder out) {
        switch (v) {
            case "msec" -> {
                out.append(e.endEpochMs() / 1000).append('.');
                final long ms = e.endEpochMs() % 1000;
                out.append(ms < 10 ? "00" : ms < 100 ? "0" : "").append(ms);
            }
            case "time_iso8601" -> out.append(ISO.format(Instant.ofEpochMilli(e.endEpochMs())));
            case "time_local" -> out.append(LOCAL.format(Instant.ofEpochMilli(e.endEpochMs())));
            case "remote_addr" -> out.append(e.remoteAddr());
            case "remote_port" -> out.append(e.remotePort());
            case "status" -> out.append(e.status());
            case "request_method" -> dash(out, e.method());
            case "scheme" -> out.append(e.scheme());
            case "host" -> dash(out, e.host());
            case "router_request_uri", "request_uri" -> dash(out, e.uri());
            case "server_protocol" -> dash(out, e.protocol());
            case "request_length" -> out.append(e.requestLength());
            case "bytes_sent" -> out.append(e.bytesSent());
            case "body_bytes_sent" -> out.append(e.bodyBytesSent());
            case "request_time" -> seconds(out, e.requestTimeMs());
            case "upstream_status" -> dash(out, e.upstreamStatus());
            case "upstream_connect_time" -> dash(out, e.upstreamConnect());
            case "upstream_header_time" -> dash(out, e.upstreamHeader());
            case "upstream_response_time" -> dash(out, e.upstreamResponse());
            case "upstream_addr", "upstream_addr_priv" -> dash(out, e.upstreamAddr());
            case "http_user_agent" -> escaped(out, e.userAgent());
            case "http_referer" -> escaped(out, e.referer());
            case "http_x_forwarded_for" -> escaped(out, e.xForwardedFor());
            case "listener_name" -> out.append("listener_").append(e.listenerName());
            case "listener_id" -> out.append(e.listenerId());
            case "pool_name" -> {
                if (e.poolName() == null) {
                    out.append('-');
                } else {
                    out.append("pool_").append(e.poolName());
                }
            }
            case "member_name" -> {
                if (e.memberName() == null) {
                    out.append('-');
                } else {
                    out.append("member_").append(e.memberName());
                }
            }
            case "eip_address" -> out.append(e.listenerAddr());
            case "eip_port" -> out.append(e.listenerPort());
            case "ssl_protocol" -> dash(out, e.tlsProtocol());
            case "ssl_cipher" -> dash(out, e.tlsCipher());
            case "sni_domain_name" -> dash(out, e.sni());
            case "tcpinfo_rtt" -> {
                if (e.rttMicros() < 0) {
                    out.append('-');
                } else {
                    out.append(e.rttMicros());
                }
            }
            case "lb_name" -> out.append("loadbalancer_").append(statics.getOrDefault(v, "fulcrum"));
            case "group_name" -> dash(out, e.poolName());
            case "server_addr" -> out.append(e.listenerAddr());
            case "server_port" -> out.append(e.listenerPort());
            case "ssl_server_name" -> dash(out, e.sni());
            case "request_id" -> hex16(hex16(out, requestIdPrefix), requestIds.incrementAndGet());
            default -> dash(out, statics.get(v));
        }
    }

    /** Seconds with millisecond resolution, nginx style ({@code 0.012}). */
    public static void seconds(StringBuilder out, long ms) {
        out.append(ms / 1000).append('.');
        final long r = ms % 1000;
        out.append(r < 10 ? "00" : r < 100 ? "0" : "").append(r);
    }

    private static StringBuilder hex16(StringBuilder out, long v) {
        for (int shift = 60; shift >= 0; shift -= 4) {
            out.append(Character.forDigit((int) (v >>> shift) & 0xF, 16));
        }
        return out;
    }

    private static void dash(StringBuilder out, String s) {
        out.append(s == null || s.isEmpty() ? "-" : s);
    }

    /** Client-supplied text: quotes, backslashes and control bytes escaped as nginx does ({@code \xHH}). */
    private static void escaped(StringBuilder out, String s) {
        if (s == null || s.isEmpty()) {
            out.append('-');
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7F) {
                out.append("\\x").append(Character.forDigit((c >> 4) & 0xF, 16)).append(Character.forDigit(c & 0xF, 16));
            } else {
                out.append(c);
            }
        }
    }
}
