package io.fulcrum.tls.http;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.TimeoutSettings;
import io.fulcrum.tls.testing.ScriptedBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 9110/9112 conformance of the HTTP/1.1 proxy, probe by probe over real sockets, in the spirit of an independent
 * proxy conformance and request-smuggling suite. A {@link ScriptedBackend} records the exact bytes each forwarded
 * request arrived with and answers with scripted (sometimes broken) responses. Every row states the statuses the
 * client must get in order, whether the client connection must be closed afterwards, how many requests reach the
 * backend, and what the forwarded request or the client's response must (not) contain. The table is mirrored in
 * docs/l7.md ("Conformance").
 */
class ConformanceTest {
    private static final String H = "Host: x\r\n";
    private static final String C = "Connection: close\r\n";
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    /** Quiet period after which a still-open connection counts as kept alive. */
    private static final int QUIET_MS = 400;

    static ScriptedBackend backend;
    static ProxyFixture proxy;

    /** One probe: what to send, and what must happen. */
    record Probe(String name, String request, String backendResponse, boolean backendCloses, String statuses,
                 Boolean closed, int backendRequests, List<String> backendSees, List<String> backendMustNotSee,
                 List<String> clientSees, List<String> clientMustNotSee) {
        Probe(String name, String request, String statuses) {
            this(name, request, OK, false, statuses, null, -1, List.of(), List.of(), List.of(), List.of());
        }

        Probe closed(boolean c) {
            return new Probe(name, request, backendResponse, backendCloses, statuses, c, backendRequests, backendSees,
                    backendMustNotSee, clientSees, clientMustNotSee);
        }

        Probe reaches(int n) {
            return new Probe(name, request, backendResponse, backendCloses, statuses, closed, n, backendSees,
                    backendMustNotSee, clientSees, clientMustNotSee);
        }

        Probe sees(String... s) {
            return new Probe(name, request, backendResponse, backendCloses, statuses, closed, backendRequests,
                    List.of(s), backendMustNotSee, clientSees, clientMustNotSee);
        }

        Probe seesNot(String... s) {
            return new Probe(name, request, backendResponse, backendCloses, statuses, closed, backendRequests,
                    backendSees, List.of(s), clientSees, clientMustNotSee);
        }

        Probe answers(String response, boolean close) {
            return new Probe(name, request, response, close, statuses, closed, backendRequests, backendSees,
                    backendMustNotSee, clientSees, clientMustNotSee);
        }

        Probe client(String... s) {
            return new Probe(name, request, backendResponse, backendCloses, statuses, closed, backendRequests,
                    backendSees, backendMustNotSee, List.of(s), clientMustNotSee);
        }

        Probe clientNot(String... s) {
            return new Probe(name, request, backendResponse, backendCloses, statuses, closed, backendRequests,
                    backendSees, backendMustNotSee, clientSees, List.of(s));
        }

        /** A request the proxy refuses: that status, the connection closed, nothing at the backend. */
        static Probe refused(String name, String request, int status) {
            return new Probe(name, request, Integer.toString(status)).closed(true).reaches(0);
        }

        /** A request forwarded once and answered 200 (the request carries Connection: close). */
        static Probe forwarded(String name, String request) {
            return new Probe(name, request, "200").closed(true).reaches(1);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        backend = new ScriptedBackend();
        final BackendGroupSettings g = new BackendGroupSettings("g", List.of(new Backend("raw", backend.address(), 1)));
        proxy = ProxyFixture.start(ProxyFixture.listener(g).withTimeouts(new TimeoutSettings(Duration.ofSeconds(5),
                Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5))));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    @BeforeEach
    void resetBackend() {
        backend.reset();
        backend.script(OK, false);
    }

    static Stream<Probe> requestLine() {
        return Stream.of(
                Probe.forwarded("lower-case method is an extension method, forwarded as is", "get /m HTTP/1.1\r\n" + H + C
                        + "\r\n").sees("get /m HTTP/1.1\r\n"),
                Probe.forwarded("extension method forwarded", "PURGE /m HTTP/1.1\r\n" + H + C + "\r\n")
                        .sees("PURGE /m HTTP/1.1\r\n"),
                Probe.refused("non-tchar in method", "G(T / HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("empty method", " / HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("two spaces after method", "GET  / HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("two spaces before version", "GET /  HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("space after version", "GET / HTTP/1.1 \r\n" + H + "\r\n", 400),
                Probe.refused("HTAB as separator", "GET\t/\tHTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("missing version (HTTP/0.9 form)", "GET /\r\n" + H + "\r\n", 400),
                Probe.forwarded("HTTP/1.2 is handled as HTTP/1.1", "GET /v HTTP/1.2\r\n" + H + C + "\r\n")
                        .sees("GET /v HTTP/1.1\r\n"),
                Probe.refused("HTTP/2.0 on an HTTP/1 connection", "GET / HTTP/2.0\r\n" + H + "\r\n", 505),
                Probe.refused("HTTP/3", "GET / HTTP/3\r\n" + H + "\r\n", 505),
                Probe.refused("HTTP/0.9", "GET / HTTP/0.9\r\n" + H + "\r\n", 505),
                Probe.refused("lower-case http name", "GET / http/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("two-digit minor version", "GET / HTTP/1.10\r\n" + H + "\r\n", 400),
                Probe.refused("garbage version", "GET / FOO/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("version without minor", "GET / HTTP/1\r\n" + H + "\r\n", 400),
                Probe.forwarded("absolute-form: Host replaced by the authority", "GET http://a.example:81/abs?q=1 HTTP/1.1\r\n"
                        + "Host: ignored\r\n" + C + "\r\n").sees("GET /abs?q=1 HTTP/1.1\r\n", "\r\nHost: a.example:81\r\n")
                        .seesNot("ignored"),
                Probe.forwarded("absolute-form without path", "GET HTTP://a.example HTTP/1.1\r\n" + H + C + "\r\n")
                        .sees("GET / HTTP/1.1\r\n", "\r\nHost: a.example\r\n"),
                Probe.forwarded("absolute-form with query and no path", "GET http://a.example?q=1 HTTP/1.1\r\n" + H + C
                        + "\r\n").sees("GET /?q=1 HTTP/1.1\r\n"),
                Probe.refused("absolute-form with userinfo", "GET http://u@a.example/ HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("absolute-form with another scheme", "GET ftp://a.example/ HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("absolute-form with empty authority", "GET http:///x HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("absolute-form with a bad host", "GET http://a\"b/x HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("authority-form outside CONNECT", "GET a.example:80 HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("CONNECT", "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", 501),
                Probe.forwarded("asterisk-form with OPTIONS", "OPTIONS * HTTP/1.1\r\n" + H + C + "\r\n")
                        .sees("OPTIONS * HTTP/1.1\r\n"),
                Probe.refused("asterisk-form with GET", "GET * HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("fragment in target", "GET /a#frag HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("raw non-ASCII in target", "GET /caf\u00e9 HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("control char in target", "GET /a\u0001b HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.refused("DEL in target", "GET /a\u007fb HTTP/1.1\r\n" + H + "\r\n", 400),
                Probe.forwarded("empty line before the request line", "\r\nGET /e HTTP/1.1\r\n" + H + C + "\r\n"));
    }

    static Stream<Probe> hostAndHeaders() {
        return Stream.of(
                Probe.refused("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400),
                Probe.refused("duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
                Probe.refused("space in Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
                Probe.refused("slash in Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
                Probe.refused("userinfo in Host", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400),
                Probe.refused("comma in Host", "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", 400),
                Probe.refused("two colons in Host", "GET / HTTP/1.1\r\nHost: a:b:80\r\n\r\n", 400),
                Probe.refused("non-numeric port in Host", "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400),
                Probe.refused("port above 65535 in Host", "GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", 400),
                new Probe("port 65535 in Host", "GET / HTTP/1.1\r\nHost: a:65535\r\n" + C + "\r\n", "200").reaches(1),
                Probe.refused("junk after IPv6 literal in Host", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400),
                Probe.refused("unclosed IPv6 literal in Host", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400),
                Probe.forwarded("IPv6 literal Host with port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n" + C + "\r\n")
                        .sees("\r\nHost: [::1]:8080\r\n"),
                Probe.forwarded("Host with empty port", "GET / HTTP/1.1\r\nHost: a.example:\r\n" + C + "\r\n"),
                Probe.forwarded("empty Host", "GET / HTTP/1.1\r\nHost:\r\n" + C + "\r\n"),
                Probe.forwarded("HTTP/1.0 without Host", "GET /ten HTTP/1.0\r\n\r\n").sees("GET /ten HTTP/1.1\r\n"),
                Probe.refused("space before colon", "GET / HTTP/1.1\r\n" + H + "X-A : b\r\n\r\n", 400),
                Probe.refused("HTAB before colon", "GET / HTTP/1.1\r\n" + H + "X-A\t: b\r\n\r\n", 400),
                Probe.refused("obs-fold", "GET / HTTP/1.1\r\n" + H + "X-A: b\r\n c\r\n\r\n", 400),
                Probe.refused("non-tchar in field name", "GET / HTTP/1.1\r\n" + H + "X(A): b\r\n\r\n", 400),
                Probe.refused("empty field name", "GET / HTTP/1.1\r\n" + H + ": b\r\n\r\n", 400),
                Probe.refused("field line without colon", "GET / HTTP/1.1\r\n" + H + "X-A\r\n\r\n", 400),
                Probe.refused("NUL in value", "GET / HTTP/1.1\r\n" + H + "X-A: a\u0000b\r\n\r\n", 400),
                Probe.refused("bare CR in value", "GET / HTTP/1.1\r\n" + H + "X-A: a\rb\r\n\r\n", 400),
                Probe.refused("DEL in value", "GET / HTTP/1.1\r\n" + H + "X-A: a\u007fb\r\n\r\n", 400),
                Probe.refused("bare LF line ends", "GET / HTTP/1.1\n" + H.replace("\r", "") + "\n", 400),
                Probe.refused("bare LF after a header", "GET / HTTP/1.1\r\n" + H + "X-A: b\n\r\n", 400),
                Probe.forwarded("obs-text in value is forwarded", "GET / HTTP/1.1\r\n" + H + "X-A: caf\u00e9\r\n" + C
                        + "\r\n").sees("\r\nX-A: caf\u00e9\r\n"),
                Probe.refused("one header over the head limit", "GET / HTTP/1.1\r\n" + H + "X-Big: " + "b".repeat(70 * 1024)
                        + "\r\n\r\n", 431),
                Probe.refused("too many header fields", "GET / HTTP/1.1\r\n" + H + "X-A: b\r\n".repeat(600) + "\r\n", 431),
                Probe.refused("URI over the limit", "GET /" + "a".repeat(33 * 1024) + " HTTP/1.1\r\n" + H + "\r\n", 414));
    }

    static Stream<Probe> framing() {
        final String post = "POST /b HTTP/1.1\r\n" + H;
        final String te = post + "Transfer-Encoding: chunked\r\n";
        return Stream.of(
                Probe.forwarded("Content-Length body", post + "Content-Length: 5\r\n" + C + "\r\nhello")
                        .sees("\r\nContent-Length: 5\r\n", "\r\n\r\nhello"),
                Probe.forwarded("Content-Length with leading zeros", post + "Content-Length: 005\r\n" + C + "\r\nhello")
                        .sees("\r\n\r\nhello"),
                Probe.refused("Content-Length not a number", post + "Content-Length: abc\r\n\r\n", 400),
                Probe.refused("Content-Length with sign", post + "Content-Length: +5\r\n\r\nhello", 400),
                Probe.refused("Content-Length negative", post + "Content-Length: -1\r\n\r\n", 400),
                Probe.refused("Content-Length overflow", post + "Content-Length: 99999999999999999999\r\n\r\n", 400),
                Probe.refused("Content-Length empty", post + "Content-Length:\r\n\r\n", 400),
                Probe.refused("Content-Length two numbers", post + "Content-Length: 1 2\r\n\r\n", 400),
                Probe.refused("Content-Length list of equal values", post + "Content-Length: 5, 5\r\n\r\nhello", 400),
                Probe.refused("Content-Length twice, equal", post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
                        400),
                Probe.refused("Content-Length twice, differing", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"
                        + "hello!", 400),
                Probe.forwarded("Transfer-Encoding chunked, re-chunked", te + C + "\r\n5\r\nhello\r\n0\r\n\r\n")
                        .sees("\r\nTransfer-Encoding: chunked\r\n", "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                Probe.forwarded("Transfer-Encoding Chunked (codings are case-insensitive)", post
                        + "Transfer-Encoding: Chunked\r\n" + C + "\r\n5\r\nhello\r\n0\r\n\r\n").sees("\r\n\r\n5\r\nhello\r\n"),
                Probe.forwarded("Transfer-Encoding with OWS", post + "Transfer-Encoding: \t chunked \t\r\n" + C
                        + "\r\n5\r\nhello\r\n0\r\n\r\n").sees("\r\n\r\n5\r\nhello\r\n"),
                Probe.refused("chunked not final (chunked, gzip)", post + "Transfer-Encoding: chunked, gzip\r\n\r\n"
                        + "0\r\n\r\n", 400),
                Probe.refused("chunked not final (two fields)", post + "Transfer-Encoding: chunked\r\n"
                        + "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n", 400),
                Probe.refused("chunked twice", post + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
                Probe.refused("unknown coding before chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n"
                        + "0\r\n\r\n", 501),
                Probe.refused("unknown coding alone", post + "Transfer-Encoding: gzip\r\n\r\n", 501),
                Probe.refused("xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n", 501),
                Probe.refused("quoted chunked", post + "Transfer-Encoding: \"chunked\"\r\n\r\n", 501),
                Probe.refused("chunked with a parameter", post + "Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", 501),
                Probe.refused("chunked followed by VT", post + "Transfer-Encoding: chunked\u000b\r\n\r\n0\r\n\r\n", 400),
                Probe.refused("VT before chunked", post + "Transfer-Encoding: \u000bchunked\r\n\r\n0\r\n\r\n", 400),
                Probe.refused("Transfer-Encoding empty", post + "Transfer-Encoding:\r\n\r\n", 400),
                Probe.refused("Transfer-Encoding line folded into the previous field", post + "X-A: b\r\n"
                        + " Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                Probe.refused("space before the colon of Transfer-Encoding", post + "Transfer-Encoding : chunked\r\n\r\n"
                        + "0\r\n\r\n", 400),
                Probe.refused("Transfer-Encoding and Content-Length", te + "Content-Length: 5\r\n\r\n0\r\n\r\n", 400),
                Probe.refused("Transfer-Encoding in HTTP/1.0", "POST /b HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\n", 400),
                Probe.refused("chunk size not hex", te + "\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
                Probe.refused("chunk size with 0x", te + "\r\n0x5\r\nhello\r\n0\r\n\r\n", 400),
                Probe.refused("chunk size with leading space", te + "\r\n 5\r\nhello\r\n0\r\n\r\n", 400),
                Probe.refused("chunk size overflow", te + "\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n", 400),
                Probe.refused("junk after chunk size", te + "\r\n5 x\r\nhello\r\n0\r\n\r\n", 400),
                Probe.refused("NUL in chunk extension", te + "\r\n5;a=\u0000\r\nhello\r\n0\r\n\r\n", 400),
                Probe.refused("bare LF in chunk extension", te + "\r\n5;a\nhello\r\n0\r\n\r\n", 400),
                Probe.refused("chunk data not followed by CRLF", te + "\r\n5\r\nhelloXX0\r\n\r\n", 400),
                Probe.refused("chunk data followed by bare LF", te + "\r\n5\r\nhello\n0\r\n\r\n", 400),
                Probe.refused("chunk size line ending in bare LF", te + "\r\n5\nhello\r\n0\r\n\r\n", 400),
                Probe.forwarded("chunk extensions are dropped", te + C + "\r\n5 ;a=b;c=\"d e\"\r\nhello\r\n0;z\r\n\r\n")
                        .sees("\r\n\r\n5\r\nhello\r\n0\r\n\r\n").seesNot("a=b"),
                Probe.forwarded("trailer fields are dropped", te + C + "\r\n5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n")
                        .sees("\r\n\r\n5\r\nhello\r\n0\r\n\r\n").seesNot("X-Trailer"),
                Probe.refused("request line hidden in a trailer", te + "\r\n0\r\nGET /smuggled HTTP/1.1\r\n\r\n", 400),
                Probe.refused("folded trailer", te + "\r\n0\r\nX-T: a\r\n b\r\n\r\n", 400),
                Probe.forwarded("Transfer-Encoding identity: no body", post + "Transfer-Encoding: identity\r\n" + C
                        + "\r\n").seesNot("Transfer-Encoding", "Content-Length"));
    }

    static Stream<Probe> connectionAndExpect() {
        return Stream.of(
                Probe.forwarded("Connection-named fields and hop-by-hop fields removed", "GET / HTTP/1.1\r\n" + H
                        + "Connection: X-Secret, close\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\n"
                        + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: h2c\r\nX-Keep: k\r\n\r\n")
                        .sees("\r\nX-Keep: k\r\n")
                        .seesNot("X-Secret", "Keep-Alive", "Proxy-Connection", "TE:", "Upgrade", "Connection"),
                Probe.forwarded("Connection cannot remove Content-Length", "POST / HTTP/1.1\r\n" + H
                        + "Content-Length: 5\r\nConnection: content-length, close\r\n\r\nhello")
                        .sees("\r\nContent-Length: 5\r\n", "\r\n\r\nhello"),
                Probe.forwarded("Connection cannot remove Host", "GET / HTTP/1.1\r\n" + H + "Connection: host, close\r\n\r\n")
                        .sees("\r\nHost: x\r\n"),
                new Probe("HTTP/1.1 persists by default", "GET / HTTP/1.1\r\n" + H + "\r\n", "200").closed(false),
                new Probe("HTTP/1.1 Connection: close closes after the response", "GET / HTTP/1.1\r\n" + H + C + "\r\n",
                        "200").closed(true).client("\r\nConnection: close\r\n"),
                new Probe("HTTP/1.0 closes by default", "GET / HTTP/1.0\r\n\r\n", "200").closed(true),
                new Probe("HTTP/1.0 keep-alive persists", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "200")
                        .closed(false).client("\r\nConnection: keep-alive\r\n"),
                new Probe("HTTP/1.0 keep-alive, two requests", "GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                        + "GET /2 HTTP/1.0\r\n\r\n", "200 200").closed(true).reaches(2),
                Probe.refused("unknown expectation", "GET / HTTP/1.1\r\n" + H + "Expect: teapot\r\n\r\n", 417),
                Probe.forwarded("100-continue in HTTP/1.0 is ignored", "POST / HTTP/1.0\r\nExpect: 100-continue\r\n"
                        + "Content-Length: 5\r\n\r\nhello").seesNot("Expect").clientNot("100 Continue"),
                new Probe("pipelined requests answered in order", "GET /1 HTTP/1.1\r\n" + H + "\r\nGET /2 HTTP/1.1\r\n" + H
                        + "\r\nGET /3 HTTP/1.1\r\n" + H + C + "\r\n", "200 200 200").closed(true).reaches(3),
                new Probe("nothing read after Connection: close", "GET /1 HTTP/1.1\r\n" + H + C + "\r\nGET /2 HTTP/1.1\r\n"
                        + H + "\r\n", "200").closed(true).reaches(1),
                new Probe("bad request after a good one: good answered, then 400 and close", "GET /1 HTTP/1.1\r\n" + H
                        + "\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n" + H + "\r\n", "200 400").closed(true).reaches(1),
                new Probe("smuggling attempt after a good one", "GET /1 HTTP/1.1\r\n" + H + "\r\nPOST /2 HTTP/1.1\r\n" + H
                        + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /3 HTTP/1.1\r\n" + H + "\r\n",
                        "200 400").closed(true).reaches(1));
    }

    /**
     * Clients that close their side (FIN) after sending: as with nginx's default ({@code proxy_ignore_client_abort
     * off}) and PRODUCT.md's "client gone → 499", a FIN is the client leaving, whether it closed or only half-closed:
     * the connection closes without an answer and the access log records 499 for a request that was under way.
     */
    static Stream<Probe> clientsThatClose() {
        return Stream.of(
                new Probe("request then FIN: the client left", "GET / HTTP/1.1\r\n" + H + "\r\n", "").closed(true),
                new Probe("partial head then FIN: closed, nothing forwarded", "GET / HTTP/1.1\r\nHo", "")
                        .closed(true).reaches(0),
                new Probe("FIN with nothing sent: closed", "", "").closed(true).reaches(0),
                new Probe("partial body then FIN: closed without an answer", "POST / HTTP/1.1\r\n" + H
                        + "Content-Length: 10\r\n\r\nhel", "").closed(true));
    }

    static Stream<Probe> responses() {
        final String get = "GET /r HTTP/1.1\r\n" + H + "\r\n";
        final String get10 = "GET /r HTTP/1.0\r\n\r\n";
        final String two = "GET /r1 HTTP/1.1\r\n" + H + "\r\nGET /r2 HTTP/1.1\r\n" + H + C + "\r\n";
        return Stream.of(
                bad("status code not digits", "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n"),
                bad("status code of two digits", "HTTP/1.1 99 Odd\r\nContent-Length: 0\r\n\r\n"),
                bad("status code 600", "HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n"),
                bad("no space after the status code", "HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n"),
                bad("not HTTP", "hello\r\n\r\n"),
                bad("HTTP/2.0 status line", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
                bad("response obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n"),
                bad("response bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
                bad("response head over 64 KiB", "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(70 * 1024)
                        + "\r\nContent-Length: 0\r\n\r\n"),
                bad("response space before colon", "HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 0\r\n\r\n"),
                bad("response NUL in a value", "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 0\r\n\r\n"),
                bad("response chunked not final", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
                        + "0\r\n\r\n"),
                bad("response Content-Length twice", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"),
                bad("response Content-Length not a number", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok"),
                bad("response with an unknown transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx"),
                bad("101 without an upgrade request", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        + "Connection: upgrade\r\n\r\n"),
                new Probe("response with no head at all, then close", get, "502").closed(false).answers("hello", true),
                new Probe("HTTP/1.2 status line is handled as HTTP/1.1", get, "200").closed(false)
                        .answers("HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok", false).client("\r\n\r\nok"),
                new Probe("CL and TE: chunked wins, the CL is not forwarded", get, "200").closed(false)
                        .answers("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "5\r\nhello\r\n0\r\n\r\n", false).client("5\r\nhello\r\n0\r\n\r\n")
                        .clientNot("Content-Length"),
                new Probe("CL and TE to an HTTP/1.0 client: no CL, close-delimited", get10, "200").closed(true)
                        .answers("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "5\r\nhello\r\n0\r\n\r\n", false).client("\r\n\r\nhello").clientNot("Content-Length"),
                new Probe("no framing: read to close, chunked to a 1.1 client that stays", get, "200").closed(false)
                        .answers("HTTP/1.1 200 OK\r\n\r\nhello", true)
                        .client("\r\nTransfer-Encoding: chunked\r\n", "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                new Probe("no framing: read to close, then close to a 1.0 client", get10, "200").closed(true)
                        .answers("HTTP/1.1 200 OK\r\n\r\nhello", true).client("\r\n\r\nhello").clientNot("chunked"),
                new Probe("HEAD response with Content-Length and no body", "HEAD /h HTTP/1.1\r\n" + H + "\r\n", "200")
                        .closed(false).answers("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", false)
                        .client("\r\nContent-Length: 10\r\n"),
                new Probe("204 has no body", two, "204 204").closed(true).reaches(2)
                        .answers("HTTP/1.1 204 No Content\r\n\r\n", false),
                new Probe("304 with Content-Length has no body", two, "304 304").closed(true).reaches(2)
                        .answers("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false),
                new Probe("103 forwarded before the final response", get, "103 200").closed(false)
                        .answers("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" + OK, false)
                        .client("\r\nLink: </s.css>; rel=preload\r\n"),
                new Probe("backend 100 is not forwarded (the proxy answers Expect)", get, "200").closed(false)
                        .answers("HTTP/1.1 100 Continue\r\n\r\n" + OK, false),
                new Probe("1xx not forwarded to an HTTP/1.0 client", get10, "200").closed(true)
                        .answers("HTTP/1.1 103 Early Hints\r\n\r\n" + OK, false),
                new Probe("backend closes mid-body (Content-Length): client connection aborted", get, "200")
                        .closed(true).answers("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello", true)
                        .client("\r\n\r\nhello"),
                new Probe("backend closes mid-body (chunked): client connection aborted, no last chunk", get, "200")
                        .closed(true).answers("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", true)
                        .client("5\r\nhello\r\n").clientNot("0\r\n\r\n"),
                new Probe("bad chunk in a response body: client connection aborted, no last chunk", get, "200")
                        .closed(true).answers("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                                + "zz\r\n", false).client("5\r\nhello\r\n").clientNot("0\r\n\r\n"),
                new Probe("response trailer fields are dropped", get, "200").closed(false)
                        .answers("HTTP/1.1 200 OK\r\nTrailer: X-T\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                                + "0\r\nX-T: t\r\n\r\n", false).client("5\r\nhello\r\n0\r\n\r\n").clientNot("X-T"),
                new Probe("Transfer-Encoding identity response: read to close", get, "200").closed(false)
                        .answers("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nhello", true)
                        .client("\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                new Probe("response Connection cannot remove Content-Length", get, "200").closed(false)
                        .answers("HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 2\r\n\r\nok", false)
                        .client("\r\nContent-Length: 2\r\n"),
                new Probe("response hop-by-hop fields removed", get, "200").closed(false)
                        .answers("HTTP/1.1 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=9\r\n"
                                + "Upgrade: h2c\r\nContent-Length: 2\r\n\r\nok", false)
                        .clientNot("X-Hop", "Keep-Alive", "Upgrade"),
                new Probe("backend Connection: close does not close the client connection", get, "200").closed(false)
                        .answers("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", true)
                        .clientNot("Connection"));
    }

    private static Probe bad(String name, String response) {
        return new Probe(name, "GET /r HTTP/1.1\r\n" + H + "\r\n", "502").closed(true).answers(response, false)
                .client("x-fulcrum-error: bad-response");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestLine")
    void requestLine(Probe p) throws Exception {
        run(p);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostAndHeaders")
    void hostAndHeaders(Probe p) throws Exception {
        run(p);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("framing")
    void framing(Probe p) throws Exception {
        run(p);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("connectionAndExpect")
    void connectionAndExpect(Probe p) throws Exception {
        run(p);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clientsThatClose")
    void clientsThatClose(Probe p) throws Exception {
        run(p, true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responses")
    void responses(Probe p) throws Exception {
        run(p);
    }

    @Test
    void expectContinueGets100BeforeTheBodyIsSent() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(proxy.address, 2000);
            s.setSoTimeout(3000);
            s.getOutputStream().write(("POST /c HTTP/1.1\r\n" + H + "Expect: 100-Continue\r\nContent-Length: 5\r\n" + C
                    + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            final InputStream in = s.getInputStream();
            final byte[] interim = in.readNBytes("HTTP/1.1 100 Continue\r\n\r\n".length());
            assertThat(new String(interim, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            s.getOutputStream().write("hello".getBytes(StandardCharsets.ISO_8859_1));
            final Reply r = read(in, 3000, 1);
            assertThat(statuses(r.raw())).isEqualTo("200");
        }
        final String seen = backend.received().getFirst();
        assertThat(seen).endsWith("\r\n\r\nhello").doesNotContainIgnoringCase("expect");
    }

    private static void run(Probe p) throws Exception {
        run(p, false);
    }

    private static void run(Probe p, boolean halfClose) throws Exception {
        backend.script(p.backendResponse(), p.backendCloses());
        final Reply r;
        try (Socket s = new Socket()) {
            s.connect(proxy.address, 2000);
            s.setSoTimeout(QUIET_MS);
            s.getOutputStream().write(p.request().getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            if (halfClose) {
                s.shutdownOutput();
            }
            r = read(s.getInputStream(), 5000, p.statuses().split(" ").length);
        }
        assertThat(statuses(r.raw())).as("statuses; got:\n%s", r.raw()).isEqualTo(p.statuses());
        if (p.closed() != null) {
            assertThat(r.closed()).as("client connection closed; got:\n%s", r.raw()).isEqualTo(p.closed());
        }
        if (Arrays.stream(p.statuses().split(" ")).anyMatch(code -> !code.isEmpty() && code.charAt(0) >= '4')) {
            assertThat(r.raw()).as("own errors carry a reason").contains("x-fulcrum-error: ");
            assertThat(r.raw()).as("own errors carry a Date (RFC 9110 §6.6.1)")
                    .containsPattern("\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} [A-Z][a-z]{2} \\d{4} "
                            + "\\d{2}:\\d{2}:\\d{2} GMT\r\n");
        }
        for (String c : p.clientSees()) {
            assertThat(r.raw()).contains(c);
        }
        for (String c : p.clientMustNotSee()) {
            assertThat(r.raw()).doesNotContainIgnoringCase(c);
        }
        final List<String> seen = awaitBackend(p.backendRequests());
        if (p.backendRequests() >= 0) {
            assertThat(seen).as("requests at the backend").hasSize(p.backendRequests());
        }
        final String first = seen.isEmpty() ? "" : seen.getFirst();
        for (String s : p.backendSees()) {
            assertThat(first).as("forwarded request").contains(s);
        }
        for (String s : p.backendMustNotSee()) {
            assertThat(first).as("forwarded request").doesNotContainIgnoringCase(s);
        }
    }

    /** The backend's requests, waiting (bounded) until {@code expected} arrived; a little longer when 0 expected. */
    private static List<String> awaitBackend(int expected) throws InterruptedException {
        if (expected < 0) {
            return backend.received();
        }
        final long deadline = System.currentTimeMillis() + (expected == 0 ? 100 : 2000);
        while (System.currentTimeMillis() < deadline && (expected == 0 || backend.received().size() < expected)) {
            Thread.sleep(10);
        }
        return backend.received();
    }

    record Reply(String raw, boolean closed) {
    }

    /**
     * Reads until EOF (closed) or, once {@code responses} status lines arrived, a quiet period (still open); at most
     * {@code maxMs}, so a slow machine does not turn a late answer into "kept open".
     */
    private static Reply read(InputStream in, int maxMs, int responses) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final long deadline = System.currentTimeMillis() + maxMs;
        final byte[] buf = new byte[16384];
        while (System.currentTimeMillis() < deadline) {
            final int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                final String raw = out.toString(StandardCharsets.ISO_8859_1);
                if (statuses(raw).split(" ").length >= responses && !statuses(raw).isEmpty()) {
                    return new Reply(raw, false);
                }
                continue;
            } catch (IOException e) {
                // reset: closed
                return new Reply(out.toString(StandardCharsets.ISO_8859_1), true);
            }
            if (n < 0) {
                return new Reply(out.toString(StandardCharsets.ISO_8859_1), true);
            }
            out.write(buf, 0, n);
        }
        return new Reply(out.toString(StandardCharsets.ISO_8859_1), false);
    }

    /** Status codes of the responses in {@code raw}, in order, space-separated. */
    static String statuses(String raw) {
        final List<String> codes = new ArrayList<>();
        int i = 0;
        while ((i = raw.indexOf("HTTP/1.1 ", i)) >= 0) {
            if (i + 13 <= raw.length() && raw.charAt(i + 12) == ' ') {
                codes.add(raw.substring(i + 9, i + 12));
            }
            i += 9;
        }
        return String.join(" ", codes);
    }
}
