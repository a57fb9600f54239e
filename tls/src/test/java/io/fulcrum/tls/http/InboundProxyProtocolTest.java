package io.fulcrum.tls.http;

import io.fulcrum.tls.metrics.ListenerCounters;
import io.fulcrum.tls.proxy.ProxyHeaderEncoder;
import io.fulcrum.tls.testing.RawHttp;
import io.fulcrum.tls.testing.TestBackend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** PROXY v1/v2 on HTTP listeners: accepted from trusted CIDRs only, refused (connection closed) otherwise. */
class InboundProxyProtocolTest {
    private static String send(InetSocketAddress to, byte[] bytes) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(to, 2000);
            s.setSoTimeout(3000);
            s.getOutputStream().write(bytes);
            return RawHttp.readAll(s.getInputStream(), 3000);
        }
    }

    private static byte[] concat(byte[] a, String b) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b.getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    void trustedSourceMaySendV1OrV2() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.group("g", b),
                     s -> s.withTrustedProxyCidrs(List.of("127.0.0.0/8", "::1/128")))) {
            final String get = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
            final String r1 = send(p.address, ("PROXY TCP4 203.0.113.5 198.18.0.1 40000 80\r\n" + get)
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.status(r1)).isEqualTo(200);
            assertThat(b.seen().getLast().header("X-Forwarded-For")).isEqualTo("203.0.113.5");
            final ByteBuf v2 = ProxyHeaderEncoder.v2(ByteBufAllocator.DEFAULT, new InetSocketAddress("2001:db8::7", 1234),
                    new InetSocketAddress("2001:db8::1", 80), false);
            final byte[] v2bytes = new byte[v2.readableBytes()];
            v2.readBytes(v2bytes);
            v2.release();
            final String r2 = send(p.address, concat(v2bytes, get));
            assertThat(RawHttp.status(r2)).isEqualTo(200);
            assertThat(b.seen().getLast().header("X-Real-IP")).isEqualTo("2001:db8:0:0:0:0:0:7");
            // a trusted source may also speak plain HTTP
            assertThat(RawHttp.status(send(p.address, get.getBytes(StandardCharsets.US_ASCII)))).isEqualTo(200);
        }
    }

    @Test
    void untrustedSourceIsRefused() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.group("g", b),
                     s -> s.withTrustedProxyCidrs(List.of("10.0.0.0/8")))) {
            final String r = send(p.address, ("PROXY TCP4 203.0.113.5 198.18.0.1 40000 80\r\n"
                    + "GET / HTTP/1.1\r\nHost: h\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(r).isEmpty();
            assertThat(b.count()).isZero();
            assertThat(p.stage.listenerCounters().get("web").get(ListenerCounters.Counter.PROXY_REFUSED)).isEqualTo(1);
            final String plain = send(p.address, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.status(plain)).isEqualTo(200);
        }
    }

    @Test
    void proxyHeaderOnListenerWithoutTrustedSourcesIsJustABadRequest() throws Exception {
        try (TestBackend b = new TestBackend("b");
             ProxyFixture p = ProxyFixture.start(ProxyFixture.group("g", b), s -> s)) {
            final String r = send(p.address, ("PROXY TCP4 203.0.113.5 198.18.0.1 40000 80\r\n"
                    + "GET / HTTP/1.1\r\nHost: h\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.status(r)).isEqualTo(400);
            assertThat(b.count()).isZero();
        }
    }
}
