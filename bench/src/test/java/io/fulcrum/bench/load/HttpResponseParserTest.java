package io.fulcrum.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HttpResponseParserTest {

    private static ByteBuffer bytes(final String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Feeds {@code text} in random splits; returns the result of the last feed and the bytes consumed before COMPLETE. */
    private static int feedSplit(final HttpResponseParser p, final String text, final long seed) {
        final ByteBuffer b = bytes(text);
        final SplittableRandom random = new SplittableRandom(seed);
        int offset = 0;
        int r = HttpResponseParser.NEED_MORE;
        while (offset < b.capacity() && r == HttpResponseParser.NEED_MORE) {
            final int n = Math.min(b.capacity() - offset, 1 + random.nextInt(7));
            r = p.feed(b, offset, n);
            offset += n;
        }
        return r;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void contentLengthResponseCompletesInAnySplit(final long seed) {
        final HttpResponseParser p = new HttpResponseParser();
        final String response = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\n"
            + "CONTENT-LENGTH: 9\r\n\r\nbackend1\n";
        assertThat(feedSplit(p, response, seed)).isEqualTo(HttpResponseParser.COMPLETE);
        assertThat(p.status()).isEqualTo(200);
        assertThat(p.connectionClose()).isFalse();
    }

    @Test
    void incompleteBodyNeedsMore() {
        final HttpResponseParser p = new HttpResponseParser();
        final ByteBuffer b = bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
        assertThat(p.feed(b, 0, b.capacity())).isEqualTo(HttpResponseParser.NEED_MORE);
        final ByteBuffer rest = bytes("67890");
        assertThat(p.feed(rest, 0, 5)).isEqualTo(HttpResponseParser.COMPLETE);
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15})
    void chunkedBodyWithExtensionsAndTrailers(final long seed) {
        final HttpResponseParser p = new HttpResponseParser();
        final String response = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
            + "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n";
        assertThat(feedSplit(p, response, seed)).isEqualTo(HttpResponseParser.COMPLETE);
        assertThat(p.status()).isEqualTo(404);
    }

    @Test
    void chunkSizeThatIsNotHexIsAnError() {
        final HttpResponseParser p = new HttpResponseParser();
        final ByteBuffer b = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        assertThat(p.feed(b, 0, b.capacity())).isEqualTo(HttpResponseParser.ERROR);
    }

    @Test
    void bodyUntilCloseCompletesOnEndOfInputOnly() {
        final HttpResponseParser p = new HttpResponseParser();
        final ByteBuffer b = bytes("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nsome body");
        assertThat(p.feed(b, 0, b.capacity())).isEqualTo(HttpResponseParser.NEED_MORE);
        assertThat(p.readsUntilClose()).isTrue();
        assertThat(p.connectionClose()).isTrue();
        assertThat(p.endOfInput()).isEqualTo(HttpResponseParser.COMPLETE);
    }

    @Test
    void endOfInputInTheHeadIsAnError() {
        final HttpResponseParser p = new HttpResponseParser();
        final ByteBuffer b = bytes("HTTP/1.1 200 OK\r\nContent-Le");
        assertThat(p.feed(b, 0, b.capacity())).isEqualTo(HttpResponseParser.NEED_MORE);
        assertThat(p.endOfInput()).isEqualTo(HttpResponseParser.ERROR);
    }

    @Test
    void noBodyStatusesAndInterimResponses() {
        final HttpResponseParser p = new HttpResponseParser();
        final ByteBuffer b = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n");
        assertThat(p.feed(b, 0, b.capacity())).isEqualTo(HttpResponseParser.COMPLETE);
        assertThat(p.status()).isEqualTo(204);
        p.reset();
        p.expectHeadResponse();
        final ByteBuffer h = bytes("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n");
        assertThat(p.feed(h, 0, h.capacity())).isEqualTo(HttpResponseParser.COMPLETE);
    }

    @Test
    void http10ClosesAndConnectionCloseIsSeen() {
        final HttpResponseParser p = new HttpResponseParser();
        final ByteBuffer b = bytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertThat(p.feed(b, 0, b.capacity())).isEqualTo(HttpResponseParser.COMPLETE);
        assertThat(p.connectionClose()).isTrue();
        p.reset();
        final ByteBuffer c = bytes("HTTP/1.1 200 OK\r\nconnection: Close\r\nContent-Length: 0\r\n\r\n");
        assertThat(p.feed(c, 0, c.capacity())).isEqualTo(HttpResponseParser.COMPLETE);
        assertThat(p.connectionClose()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SSH-2.0-OpenSSH\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/2 200\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n"})
    void malformedResponsesAreErrors(final String text) {
        final HttpResponseParser p = new HttpResponseParser();
        final ByteBuffer b = bytes(text);
        assertThat(p.feed(b, 0, b.capacity())).isEqualTo(HttpResponseParser.ERROR);
    }

    @Test
    void oversizedHeadIsAnError() {
        final HttpResponseParser p = new HttpResponseParser();
        final ByteBuffer b = bytes("HTTP/1.1 200 OK\r\nX: " + "a".repeat(70_000) + "\r\n\r\n");
        assertThat(p.feed(b, 0, b.capacity())).isEqualTo(HttpResponseParser.ERROR);
    }

    @Test
    void parsingAllocatesNothing() {
        final HttpResponseParser p = new HttpResponseParser();
        final ByteBuffer b = ByteBuffer.allocateDirect(256);
        b.put("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: identity\r\n\r\nbackend1\n"
            .getBytes(StandardCharsets.US_ASCII));
        final int n = b.position();
        final com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            p.reset();
            p.feed(b, 0, n);
        }
        final long before = mx.getCurrentThreadAllocatedBytes();
        int complete = 0;
        for (int i = 0; i < 200_000; i++) {
            p.reset();
            complete += p.feed(b, 0, n);
        }
        final long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(complete).isEqualTo(200_000);
        assertThat(allocated).isLessThan(1024);
    }
}
