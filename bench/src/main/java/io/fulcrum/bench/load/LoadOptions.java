package io.fulcrum.bench.load;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The load generator's settings, parsed from the command line with a clear error for every bad value.
 *
 * @param scenario       what each connection does
 * @param target         address:port to load
 * @param host           the Host header (defaults to the target)
 * @param path           the request path (HTTP)
 * @param headers        extra request header lines (HTTP)
 * @param connections    concurrent connections (UDP: sockets), each with at most one outstanding operation
 * @param threads        I/O threads (each with its own selector)
 * @param durationNs     measured time
 * @param warmupNs       load before measuring (results discarded)
 * @param rate           open loop: operations per second over all connections; 0 = closed loop
 * @param timeoutNs      an operation not finished after this is counted as a timeout and its connection reset
 * @param payloadBytes   UDP datagram size / stream write size
 * @param maxOperations  stop after this many measured operations (0 = no limit)
 * @param json           where to write the JSON result (null = none)
 * @param label          free text copied into the JSON
 * @param progress       print a live progress line to stderr
 */
public record LoadOptions(Scenario scenario, InetSocketAddress target, String host, String path, List<String> headers,
                          int connections, int threads, long durationNs, long warmupNs, double rate, long timeoutNs,
                          int payloadBytes, long maxOperations, Path json, String label, boolean progress) {

    static final long MAX_DURATION_NS = 3_600_000_000_000L;

    /** The command-line help. */
    public static String usage() {
        return """
            usage: fulcrum-bench [load] --scenario S --target HOST:PORT [options]
              --scenario S        http | http-close | tcp-connect | tcp-stream | udp
              --target HOST:PORT  where to send the load
              -c, --connections N concurrent connections / UDP sockets (default 50)
              -t, --threads N     I/O threads, each with its own selector (default 1)
              -d, --duration S    measured seconds, decimals allowed (default 10, at most 3600)
              --warmup S          seconds of load before measuring (default 0)
              -R, --rate R        open loop: R operations/s in total, latency from the intended send time
                                  (coordinated-omission corrected); 0 = closed loop (default)
              --timeout-ms N      an operation still open after N ms is a timeout (default 5000)
              --path P            HTTP request path (default /)
              --host H            HTTP Host header (default: the target)
              -H, --header LINE   extra HTTP header line, repeatable
              --payload N         UDP datagram / stream write size in bytes (default 32 / 65536)
              --max-ops N         stop after N measured operations (default: no limit)
              --json FILE         write the result as JSON
              --label TEXT        copied into the JSON
              --progress / --no-progress   live line on stderr (default: on when duration >= 5 s)
            other commands: fulcrum-bench serve --help | report --help | jmh-report --help
            """;
    }

    /** Parses the command line; throws IllegalArgumentException with a message naming the bad option. */
    public static LoadOptions parse(final String[] args) {
        Scenario scenario = null;
        InetSocketAddress target = null;
        String host = null;
        String path = "/";
        final List<String> headers = new ArrayList<>();
        int connections = 50;
        int threads = 1;
        double duration = 10;
        double warmup = 0;
        double rate = 0;
        long timeoutMs = 5000;
        int payload = -1;
        long maxOps = 0;
        Path json = null;
        String label = "";
        Boolean progress = null;
        for (int i = 0; i < args.length; i++) {
            final String a = args[i];
            switch (a) {
                case "--scenario" -> scenario = Scenario.of(value(args, ++i, a));
                case "--target" -> target = address(value(args, ++i, a), a);
                case "--host" -> host = value(args, ++i, a);
                case "--path" -> path = value(args, ++i, a);
                case "-H", "--header" -> headers.add(value(args, ++i, a));
                case "-c", "--connections" -> connections = (int) number(args, ++i, a, 1, 100_000);
                case "-t", "--threads" -> threads = (int) number(args, ++i, a, 1, 64);
                case "-d", "--duration" -> duration = decimal(args, ++i, a, 0.1, 3600);
                case "--warmup" -> warmup = decimal(args, ++i, a, 0, 600);
                case "-R", "--rate" -> rate = decimal(args, ++i, a, 0, 100_000_000);
                case "--timeout-ms" -> timeoutMs = number(args, ++i, a, 1, 600_000);
                case "--payload" -> payload = (int) number(args, ++i, a, 8, 1 << 20);
                case "--max-ops" -> maxOps = number(args, ++i, a, 0, Long.MAX_VALUE);
                case "--json" -> json = Path.of(value(args, ++i, a));
                case "--label" -> label = value(args, ++i, a);
                case "--progress" -> progress = true;
                case "--no-progress" -> progress = false;
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (scenario == null) {
            throw new IllegalArgumentException("--scenario is required");
        }
        if (target == null) {
            throw new IllegalArgumentException("--target is required");
        }
        if (scenario == Scenario.TCP_STREAM && rate > 0) {
            throw new IllegalArgumentException("--rate does not apply to tcp-stream (it measures throughput)");
        }
        if (threads > connections) {
            threads = connections;
        }
        if (payload < 0) {
            payload = scenario == Scenario.TCP_STREAM ? 65536 : 32;
        }
        if (scenario == Scenario.UDP && payload > 65507) {
            throw new IllegalArgumentException("--payload: a UDP datagram holds at most 65507 bytes, got " + payload);
        }
        if (host == null) {
            host = target.getHostString() + (target.getPort() == 80 ? "" : ":" + target.getPort());
        }
        return new LoadOptions(scenario, target, host, path, List.copyOf(headers), connections, threads,
            (long) (duration * 1e9), (long) (warmup * 1e9), rate, timeoutMs * 1_000_000L, payload, maxOps, json, label,
            progress != null ? progress : duration >= 5);
    }

    private static String value(final String[] args, final int i, final String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static long number(final String[] args, final int i, final String option, final long min, final long max) {
        final String text = value(args, i, option);
        final long v;
        try {
            v = Long.parseLong(text);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a whole number: '" + text + "'");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(option + ": must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    private static double decimal(final String[] args, final int i, final String option, final double min,
                                  final double max) {
        final String text = value(args, i, option);
        final double v;
        try {
            v = Double.parseDouble(text);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a number: '" + text + "'");
        }
        if (!(v >= min && v <= max)) {
            throw new IllegalArgumentException(option + ": must be between " + min + " and " + max + ", got " + text);
        }
        return v;
    }

    /** Parses {@code HOST:PORT} (IPv6 as {@code [addr]:port}). */
    static InetSocketAddress address(final String text, final String option) {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(option + ": expected HOST:PORT, got '" + text + "'");
        }
        String hostPart = text.substring(0, colon);
        if (hostPart.startsWith("[") && hostPart.endsWith("]")) {
            hostPart = hostPart.substring(1, hostPart.length() - 1);
        }
        final int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(option + ": bad port in '" + text + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(option + ": port must be between 1 and 65535, got " + port);
        }
        final InetSocketAddress address = new InetSocketAddress(hostPart, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(option + ": cannot resolve '" + hostPart + "'");
        }
        return address;
    }

    /** The HTTP request bytes sent on every request. */
    byte[] httpRequest() {
        final StringBuilder b = new StringBuilder(128);
        b.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
        for (final String h : headers) {
            b.append(h).append("\r\n");
        }
        if (scenario == Scenario.HTTP_CLOSE) {
            b.append("Connection: close\r\n");
        }
        b.append("\r\n");
        return b.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
