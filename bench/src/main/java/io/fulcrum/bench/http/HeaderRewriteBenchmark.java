package io.fulcrum.bench.http;

import io.fulcrum.tls.HeaderSettings;
import io.fulcrum.tls.LimitSettings;
import io.fulcrum.tls.http.RequestHeadCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The request-head path: strict parse of a 12-header browser request plus the rewrite for the backend (hop-by-hop
 * removal, X-Forwarded-* and X-Real-IP, node header) into a reused direct buffer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class HeaderRewriteBenchmark {
    private static final String HEAD = "GET /products/list?page=2&sort=price HTTP/1.1\r\n"
            + "Host: shop.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Referer: https://shop.example.com/\r\n"
            + "Cookie: session=abc123; FULCRUM_ID=b1; theme=dark\r\n"
            + "X-Forwarded-For: 203.0.113.9\r\n"
            + "Connection: keep-alive\r\n"
            + "Keep-Alive: timeout=5\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "Cache-Control: max-age=0\r\n\r\n";

    private RequestHeadCodec codec;
    private ByteBuf in;
    private ByteBuf out;

    /** Buffers and codec. */
    @Setup(Level.Trial)
    public void setup() {
        codec = new RequestHeadCodec(LimitSettings.DEFAULTS,
                new HeaderSettings(true, true, true, true, true, "X-Fulcrum-Node", "node-1"));
        final byte[] bytes = HEAD.getBytes(StandardCharsets.US_ASCII);
        in = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        out = Unpooled.directBuffer(4096);
    }

    /** Releases buffers. */
    @TearDown(Level.Trial)
    public void tearDown() {
        in.release();
        out.release();
    }

    /** Parse + rewrite one head. */
    @Benchmark
    public int parseAndRewrite() {
        in.readerIndex(0);
        out.clear();
        return codec.rewrite(in, out, "198.51.100.7", "80");
    }
}
