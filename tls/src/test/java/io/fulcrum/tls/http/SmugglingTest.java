package io.fulcrum.tls.http;

import io.fulcrum.tls.LimitSettings;
import io.fulcrum.tls.testing.RawHttp;
import io.fulcrum.tls.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request-smuggling defences over a real socket: each malformed or ambiguous request gets its status (and the
 * connection is closed), and the backend sees exactly the expected number of complete requests.
 */
class SmugglingTest {
    static TestBackend backend;
    static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("s");
        proxy = ProxyFixture.start(ProxyFixture.group("g", backend),
                s -> s.withLimits(new LimitSettings(64 * 1024, 32 * 1024, 100_000)));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    static Stream<Arguments> cases() {
        final String h = "Host: x\r\n";
        return Stream.of(
                Arguments.of("CL.TE", "POST / HTTP/1.1\r\n" + h + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\nG", 400, 0),
                Arguments.of("TE.CL", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
                        + "8\r\nSMUGGLED\r\n0\r\n\r\n", 400, 0),
                Arguments.of("TE xchunked", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: xchunked\r\n\r\n", 501, 0),
                Arguments.of("TE space before colon", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding : chunked\r\n\r\n"
                        + "0\r\n\r\n", 400, 0),
                Arguments.of("TE obs-fold", "POST / HTTP/1.1\r\n" + h + "X: y\r\n Transfer-Encoding: chunked\r\n\r\n", 400, 0),
                Arguments.of("TE chunked, identity", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, identity\r\n\r\n"
                        + "0\r\n\r\n", 400, 0),
                Arguments.of("TE split over two fields", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n"
                        + "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n", 400, 0),
                Arguments.of("TE chunked twice", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, chunked\r\n\r\n"
                        + "0\r\n\r\n", 400, 0),
                Arguments.of("TE gzip", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, 0),
                Arguments.of("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, 0),
                Arguments.of("duplicate CL same", "POST / HTTP/1.1\r\n" + h + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n"
                        + "hello", 400, 0),
                Arguments.of("duplicate CL differing", "POST / HTTP/1.1\r\n" + h + "Content-Length: 5\r\n"
                        + "Content-Length: 6\r\n\r\nhello!", 400, 0),
                Arguments.of("CL list", "POST / HTTP/1.1\r\n" + h + "Content-Length: 5, 5\r\n\r\nhello", 400, 0),
                Arguments.of("CL plus sign", "POST / HTTP/1.1\r\n" + h + "Content-Length: +5\r\n\r\nhello", 400, 0),
                Arguments.of("CL negative", "POST / HTTP/1.1\r\n" + h + "Content-Length: -1\r\n\r\n", 400, 0),
                Arguments.of("CL hex", "POST / HTTP/1.1\r\n" + h + "Content-Length: 0x5\r\n\r\nhello", 400, 0),
                Arguments.of("chunk size not hex", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n"
                        + "zz\r\nhello\r\n0\r\n\r\n", 400, 0),
                Arguments.of("chunk size 0x prefix", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n"
                        + "0x5\r\nhello\r\n0\r\n\r\n", 400, 0),
                Arguments.of("chunk size negative", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n"
                        + "-5\r\nhello\r\n0\r\n\r\n", 400, 0),
                Arguments.of("chunk size overflow", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n"
                        + "fffffffffffffffff1\r\nhello\r\n0\r\n\r\n", 400, 0),
                Arguments.of("chunk data without CRLF", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhelloXX0\r\n\r\n", 400, 0),
                Arguments.of("chunk line bare LF", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n"
                        + "5\nhello\r\n0\r\n\r\n", 400, 0),
                Arguments.of("bare LF head", "GET / HTTP/1.1\nHost: x\n\n", 400, 0),
                Arguments.of("bare CR in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\rInjected: 1\r\n\r\n", 400, 0),
                Arguments.of("LF injection in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\nInjected: 1\r\n\r\n", 400, 0),
                Arguments.of("NUL in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\u0000b\r\n\r\n", 400, 0),
                Arguments.of("space in header name", "GET / HTTP/1.1\r\n" + h + "Bad Name: x\r\n\r\n", 400, 0),
                Arguments.of("empty header name", "GET / HTTP/1.1\r\n" + h + ": x\r\n\r\n", 400, 0),
                Arguments.of("missing host", "GET / HTTP/1.1\r\n\r\n", 400, 0),
                Arguments.of("duplicate host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, 0),
                Arguments.of("bad request line", "GET  / HTTP/1.1\r\n" + h + "\r\n", 400, 0),
                Arguments.of("http/2.0 on h1", "GET / HTTP/2.0\r\n" + h + "\r\n", 505, 0),
                Arguments.of("URI too long", "GET /" + "a".repeat(33 * 1024) + " HTTP/1.1\r\n" + h + "\r\n", 414, 0),
                Arguments.of("header block too large", "GET / HTTP/1.1\r\n" + h + "X-Big: " + "b".repeat(70 * 1024)
                        + "\r\n\r\n", 431, 0),
                Arguments.of("body over limit (CL)", "POST / HTTP/1.1\r\n" + h + "Content-Length: 200000\r\n\r\n", 413, 0),
                Arguments.of("body over limit (chunked)", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n"
                        + "30d41\r\n" + "x".repeat(200_001) + "\r\n0\r\n\r\n", 413, 0),
                Arguments.of("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501, 0),
                Arguments.of("pipelined CL body then GET (legit: two requests)", "POST /one HTTP/1.1\r\n" + h
                        + "Content-Length: 5\r\n\r\nhelloGET /two HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n", 200, 2),
                Arguments.of("chunked body then GET (legit: two requests)", "POST /one HTTP/1.1\r\n" + h
                        + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /two HTTP/1.1\r\n" + h
                        + "Connection: close\r\n\r\n", 200, 2),
                Arguments.of("absolute-form target", "GET http://other.example/abs?q=1 HTTP/1.1\r\nHost: x\r\n"
                        + "Connection: close\r\n\r\n", 200, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void request(String name, String request, int expectedStatus, int expectedBackendRequests) throws Exception {
        final int before = backend.count();
        final String raw = RawHttp.exchange(proxy.address, request, 3000);
        assertThat(RawHttp.status(raw)).as(raw).isEqualTo(expectedStatus);
        if (expectedStatus >= 400) {
            assertThat(raw).contains("x-fulcrum-error: ");
            assertThat(raw).containsIgnoringCase("connection: close");
        }
        Thread.sleep(100);
        assertThat(backend.count() - before).as("requests the backend saw").isEqualTo(expectedBackendRequests);
        if (expectedBackendRequests == 2) {
            assertThat(RawHttp.responses(raw)).isEqualTo(2);
        }
    }
}
