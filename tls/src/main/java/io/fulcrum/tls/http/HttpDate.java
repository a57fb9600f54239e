package io.fulcrum.tls.http;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date} field of the responses Fulcrum makes itself (RFC 9110 §6.6.1: an origin with a clock sends it on
 * 2xx–4xx responses), in IMF-fixdate. The text is formatted once per second and shared: writing it allocates nothing.
 */
final class HttpDate {
    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static volatile Cached cached = new Cached(Long.MIN_VALUE, new byte[0]);

    private record Cached(long second, byte[] field) {
    }

    private HttpDate() {
    }

    /** Writes {@code Date: <now>\r\n}. */
    static void writeField(ByteBuf out, long epochMs) {
        out.writeBytes(field(epochMs));
    }

    /** The whole field line for the second of {@code epochMs}. */
    static byte[] field(long epochMs) {
        final long second = Math.floorDiv(epochMs, 1000L);
        Cached c = cached;
        if (c.second != second) {
            c = new Cached(second, ("Date: " + IMF_FIXDATE.format(Instant.ofEpochSecond(second)) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            cached = c;
        }
        return c.field;
    }
}
