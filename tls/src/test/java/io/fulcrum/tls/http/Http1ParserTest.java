package io.fulcrum.tls.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Head parser and chunked decoder fed in random splits (seeded): the result never depends on where reads end. */
class Http1ParserTest {
    private static final String REQUEST = "\r\nPOST /a/b?c=d HTTP/1.1\r\nHost: Example.com:8080\r\nX-A:  spaced value  \r\n"
            + "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n";

    @Test
    void requestHeadParsesIdenticallyForEverySplit() {
        final SplittableRandom rnd = new SplittableRandom(42);
        final byte[] wire = REQUEST.getBytes(StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 500; round++) {
            final Http1HeadParser p = new Http1HeadParser(true, 65536, 32768);
            final ByteBuf buf = Unpooled.buffer();
            int off = 0;
            int r = Http1HeadParser.NEED_MORE;
            while (r == Http1HeadParser.NEED_MORE) {
                assertThat(off).isLessThan(wire.length);
                final int n = Math.min(wire.length - off, 1 + rnd.nextInt(12));
                buf.writeBytes(wire, off, n);
                off += n;
                r = p.parse(buf);
            }
            assertThat(r).isEqualTo(Http1HeadParser.DONE);
            assertThat(p.headLength()).isEqualTo(wire.length);
            assertThat(p.method).isSameAs("POST");
            assertThat(p.chunked).isTrue();
            assertThat(p.expectContinue).isTrue();
            assertThat(p.keepAlive).isTrue();
            assertThat(p.value(buf, HeaderName.HOST)).isEqualTo("Example.com:8080");
            assertThat(p.value(buf, p.indexOf(HeaderName.OTHER))).isEqualTo("spaced value");
            assertThat(p.namedByConnection(buf, 3)).as("X-Hop is named by Connection").isTrue();
            assertThat(p.namedByConnection(buf, 4)).isFalse();
            buf.release();
        }
    }

    @Test
    void responseFramingRules() {
        assertThat(response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n").contentLength).isEqualTo(5);
        final Http1HeadParser teAndCl = response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertThat(teAndCl.chunked).isTrue();
        assertThat(teAndCl.keepAlive).as("TE+CL response: connection not reused").isFalse();
        assertThat(response("HTTP/1.1 200 OK\r\n\r\n").closeDelimited).isTrue();
        assertThat(response("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepAlive).isFalse();
        assertThat(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n").closeDelimited).isTrue();
        assertThat(response("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n").keepAlive)
                .as("TE in an HTTP/1.0 response: connection not reused").isFalse();
        assertThat(response("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n").versionMinor).isEqualTo(1);
        assertThat(response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
                .upgradeWebSocket).isTrue();
        for (String bad : new String[] {"HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                + "Content-Length: 2\r\n\r\n", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", "ICY 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\n", "HTTP/2.0 200 OK\r\n\r\n"}) {
            final Http1HeadParser p = new Http1HeadParser(false, 65536, 8192);
            final ByteBuf b = Unpooled.copiedBuffer(bad, StandardCharsets.ISO_8859_1);
            assertThat(p.parse(b)).as(bad).isEqualTo(Http1HeadParser.ERROR);
            assertThat(p.errorStatus).isEqualTo(502);
            b.release();
        }
    }

    private static Http1HeadParser response(String head) {
        final Http1HeadParser p = new Http1HeadParser(false, 65536, 8192);
        final ByteBuf b = Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
        assertThat(p.parse(b)).as(head).isEqualTo(Http1HeadParser.DONE);
        b.release();
        return p;
    }

    @Test
    void chunkedDecoderReassemblesRandomSplits() {
        final SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 300; round++) {
            final ByteArrayOutputStream plain = new ByteArrayOutputStream();
            final StringBuilder wire = new StringBuilder();
            final int chunks = 1 + rnd.nextInt(8);
            for (int c = 0; c < chunks; c++) {
                final int len = 1 + rnd.nextInt(300);
                final StringBuilder data = new StringBuilder();
                for (int i = 0; i < len; i++) {
                    data.append((char) ('a' + rnd.nextInt(26)));
                }
                plain.writeBytes(data.toString().getBytes(StandardCharsets.ISO_8859_1));
                wire.append(Integer.toHexString(len).toUpperCase()).append(rnd.nextBoolean() ? ";x=\"y\"" : "")
                        .append("\r\n").append(data).append("\r\n");
            }
            wire.append("0\r\nTrailer-A: v\r\n\r\n");
            final byte[] bytes = wire.toString().getBytes(StandardCharsets.ISO_8859_1);
            final ChunkedDecoder d = new ChunkedDecoder();
            final ByteBuf in = Unpooled.buffer();
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            int off = 0;
            boolean end = false;
            while (!end) {
                final int n = Math.min(bytes.length - off, 1 + rnd.nextInt(64));
                in.writeBytes(bytes, off, n);
                off += n;
                int r;
                while ((r = d.next(in)) == ChunkedDecoder.DATA) {
                    final byte[] part = new byte[d.dataLength];
                    in.readBytes(part);
                    got.writeBytes(part);
                }
                assertThat(r).isNotEqualTo(ChunkedDecoder.ERROR);
                end = r == ChunkedDecoder.END;
                assertThat(end || off < bytes.length).isTrue();
            }
            assertThat(got.toByteArray()).isEqualTo(plain.toByteArray());
            in.release();
        }
    }
}
