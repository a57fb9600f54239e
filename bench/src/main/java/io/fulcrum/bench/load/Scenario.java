package io.fulcrum.bench.load;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What the load generator does on each connection, and the unit its rate is counted in. */
public enum Scenario {
    /** HTTP/1.1 GET requests on persistent connections (one outstanding request per connection). */
    HTTP("http", "req/s", true),
    /** One HTTP/1.1 GET per TCP connection ({@code Connection: close}); latency includes the handshake. */
    HTTP_CLOSE("http-close", "req/s", true),
    /** TCP connect, then close at once: new connections per second; latency is the handshake. */
    TCP_CONNECT("tcp-connect", "conn/s", true),
    /** Bulk TCP upload to a discard server: throughput only. */
    TCP_STREAM("tcp-stream", "bytes/s", false),
    /** Small UDP request, echo reply: request/response pairs per second (one outstanding per socket). */
    UDP("udp", "pkt/s", true);

    private final String id;
    private final String unit;
    private final boolean hasLatency;

    Scenario(final String id, final String unit, final boolean hasLatency) {
        this.id = id;
        this.unit = unit;
        this.hasLatency = hasLatency;
    }

    /** The name on the command line and in JSON. */
    public String id() {
        return id;
    }

    /** The unit of {@code perSecond} in the results. */
    public String unit() {
        return unit;
    }

    /** Whether each operation has a latency (the stream scenario only has throughput). */
    public boolean hasLatency() {
        return hasLatency;
    }

    /** Parses a scenario name; the error lists the valid ones. */
    public static Scenario of(final String text) {
        for (final Scenario s : values()) {
            if (s.id.equals(text.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + text + "' (one of: "
            + Arrays.stream(values()).map(Scenario::id).collect(Collectors.joining(", ")) + ")");
    }
}
