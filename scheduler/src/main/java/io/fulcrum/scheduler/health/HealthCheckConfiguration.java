package io.fulcrum.scheduler.health;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One backend group's health-check settings, validated on construction (messages name the field and range).
 *
 * @param protocol           TCP, HTTP, HTTPS or UDP
 * @param intervalS          1–50 s, default 5
 * @param timeoutS           1–300 s, default 3; a timeout above the interval is capped at the interval
 * @param healthyThreshold   successes in a row that bring a DOWN target UP, 1–10, default 3 (a new target needs one)
 * @param unhealthyThreshold failures in a row that take a target DOWN, 1–10, default 3
 * @param httpMethod         GET (default) or HEAD
 * @param path               HTTP path, 1–80 characters starting with {@code /}: letters, digits and {@code -_/.%?#&=~}
 * @param host               Host header; null = the backend IP; letters, digits, {@code -} and {@code .}
 * @param expectedClasses    bit set of healthy status classes: bit 2 = 2xx … bit 5 = 5xx; default 2xx,3xx
 * @param udpRequest         UDP probe payload (1–1400 bytes), null = one zero byte
 * @param udpExpect          bytes the UDP answer must contain; null = no answer needed (silence is healthy)
 * @param icmpEcho           UDP only: send an ICMP echo first (default true)
 * @param bindAddress        local source address of probes, null = chosen by the kernel
 */
public record HealthCheckConfiguration(HealthCheckProtocol protocol, int intervalS, int timeoutS, int healthyThreshold,
                                       int unhealthyThreshold, String httpMethod, String path, String host, int expectedClasses,
                                       byte[] udpRequest, byte[] udpExpect, boolean icmpEcho, InetAddress bindAddress) {
    /** 2xx. */
    public static final int CLASS_2XX = 1 << 2;
    /** 3xx. */
    public static final int CLASS_3XX = 1 << 3;
    /** 4xx. */
    public static final int CLASS_4XX = 1 << 4;
    /** 5xx. */
    public static final int CLASS_5XX = 1 << 5;

    private static final String PATH_CHARACTERS = "-_/.%?#&=~";

    /** Validates every field. */
    public HealthCheckConfiguration {
        Objects.requireNonNull(protocol, "health-check protocol");
        if (intervalS < 1 || intervalS > 50) {
            throw new IllegalArgumentException("health-check interval must be 1-50 s, got " + intervalS);
        }
        if (timeoutS < 1 || timeoutS > 300) {
            throw new IllegalArgumentException("health-check timeout must be 1-300 s, got " + timeoutS);
        }
        if (healthyThreshold < 1 || healthyThreshold > 10) {
            throw new IllegalArgumentException("health-check healthy threshold must be 1-10, got " + healthyThreshold);
        }
        if (unhealthyThreshold < 1 || unhealthyThreshold > 10) {
            throw new IllegalArgumentException("health-check unhealthy threshold must be 1-10, got " + unhealthyThreshold);
        }
        if (!"GET".equals(httpMethod) && !"HEAD".equals(httpMethod)) {
            throw new IllegalArgumentException("health-check method must be GET or HEAD, got " + httpMethod);
        }
        validatePath(path);
        if (host != null) {
            validateHost(host);
        }
        if (expectedClasses == 0 || (expectedClasses & ~(CLASS_2XX | CLASS_3XX | CLASS_4XX | CLASS_5XX)) != 0) {
            throw new IllegalArgumentException(
                "health-check expected status classes must be a non-empty set of 2xx, 3xx, 4xx, 5xx");
        }
        if (udpRequest != null && (udpRequest.length == 0 || udpRequest.length > 1400)) {
            throw new IllegalArgumentException("health-check UDP request must be 1-1400 bytes, got " + udpRequest.length);
        }
        if (udpExpect != null && (udpExpect.length == 0 || udpExpect.length > 1400)) {
            throw new IllegalArgumentException("health-check UDP expect must be 1-1400 bytes, got " + udpExpect.length);
        }
        udpRequest = udpRequest == null ? null : udpRequest.clone();
        udpExpect = udpExpect == null ? null : udpExpect.clone();
    }

    /** Defaults for {@code protocol}: 5 s interval, 3 s timeout, thresholds 3/3, GET /, 2xx and 3xx, ICMP echo on. */
    public static HealthCheckConfiguration defaults(final HealthCheckProtocol protocol) {
        return new HealthCheckConfiguration(protocol, 5, 3, 3, 3, "GET", "/", null, CLASS_2XX | CLASS_3XX, null, null, true,
            null);
    }

    /** The timeout actually used: the timeout, capped at the interval. */
    public long effectiveTimeoutMs() {
        return Math.min(timeoutS, intervalS) * 1000L;
    }

    /** Parses a class list such as {@code 2xx,3xx}. */
    public static int parseClasses(final String list) {
        int classes = 0;
        for (final String item : list.split(",")) {
            classes |= switch (item.trim()) {
                case "2xx" -> CLASS_2XX;
                case "3xx" -> CLASS_3XX;
                case "4xx" -> CLASS_4XX;
                case "5xx" -> CLASS_5XX;
                default -> throw new IllegalArgumentException(
                    "health-check expected status class must be 2xx, 3xx, 4xx or 5xx, got '" + item.trim() + "'");
            };
        }
        return classes;
    }

    /** The class list as text, e.g. {@code 2xx,3xx}. */
    public static String classesText(final int classes) {
        final StringBuilder text = new StringBuilder();
        for (int c = 2; c <= 5; c++) {
            if ((classes & (1 << c)) != 0) {
                text.append(text.isEmpty() ? "" : ",").append(c).append("xx");
            }
        }
        return text.toString();
    }

    private static void validatePath(final String path) {
        if (path == null || path.isEmpty() || path.length() > 80 || path.charAt(0) != '/') {
            throw new IllegalArgumentException("health-check path must be 1-80 characters starting with '/', got "
                + (path == null ? "none" : "'" + path + "'"));
        }
        for (int i = 0; i < path.length(); i++) {
            final char c = path.charAt(i);
            if (!(c < 0x80 && Character.isLetterOrDigit(c)) && PATH_CHARACTERS.indexOf(c) < 0) {
                throw new IllegalArgumentException("health-check path '" + path + "' has a character that is not allowed at "
                    + "position "
                    + (i + 1) + " (letters, digits and " + PATH_CHARACTERS + ")");
            }
        }
    }

    private static void validateHost(final String host) {
        if (host.isEmpty() || host.length() > 253 || !Character.isLetterOrDigit(host.charAt(0))) {
            throw new IllegalArgumentException("health-check host must be 1-253 characters starting with a letter or digit, got '"
                + host + "'");
        }
        for (int i = 0; i < host.length(); i++) {
            final char c = host.charAt(i);
            if (!(c < 0x80 && Character.isLetterOrDigit(c)) && c != '-' && c != '.') {
                throw new IllegalArgumentException("health-check host '" + host + "' may hold only letters, digits, '-' and '.'");
            }
        }
    }

    public HealthCheckConfiguration withTiming(final int interval, final int timeout, final int healthy, final int unhealthy) {
        return new HealthCheckConfiguration(protocol, interval, timeout, healthy, unhealthy, httpMethod, path, host,
            expectedClasses,
            udpRequest, udpExpect, icmpEcho, bindAddress);
    }

    public HealthCheckConfiguration withHttp(final String method, final String requestPath, final String hostHeader,
                                             final int classes) {
        return new HealthCheckConfiguration(protocol, intervalS, timeoutS, healthyThreshold, unhealthyThreshold, method,
            requestPath,
            hostHeader, classes, udpRequest, udpExpect, icmpEcho, bindAddress);
    }

    public HealthCheckConfiguration withUdp(final byte[] request, final byte[] expect, final boolean echo) {
        return new HealthCheckConfiguration(protocol, intervalS, timeoutS, healthyThreshold, unhealthyThreshold, httpMethod, path,
            host, expectedClasses, request, expect, echo, bindAddress);
    }

    public HealthCheckConfiguration withBindAddress(final InetAddress address) {
        return new HealthCheckConfiguration(protocol, intervalS, timeoutS, healthyThreshold, unhealthyThreshold, httpMethod, path,
            host, expectedClasses, udpRequest, udpExpect, icmpEcho, address);
    }
}
