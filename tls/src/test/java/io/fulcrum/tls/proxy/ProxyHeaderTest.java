package io.fulcrum.tls.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** PROXY v1/v2 encoding and strict decoding. */
class ProxyHeaderTest {
    static final InetSocketAddress SRC4 = new InetSocketAddress("203.0.113.5", 40000);
    static final InetSocketAddress DST4 = new InetSocketAddress("198.18.0.1", 443);
    static final InetSocketAddress SRC6 = new InetSocketAddress("2001:db8::5", 40001);
    static final InetSocketAddress DST6 = new InetSocketAddress("2001:db8::1", 8443);

    @Test
    void v1RoundTrip() {
        final ByteBuf b = ProxyHeaderEncoder.v1(ByteBufAllocator.DEFAULT, SRC4, DST4);
        try {
            assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo("PROXY TCP4 203.0.113.5 198.18.0.1 40000 443\r\n");
            final ProxyHeaderDecoder d = new ProxyHeaderDecoder();
            assertThat(d.decode(b)).isEqualTo(ProxyHeaderDecoder.DONE);
            assertThat(d.source).isEqualTo(SRC4);
            assertThat(d.destination).isEqualTo(DST4);
            assertThat(b.isReadable()).isFalse();
        } finally {
            b.release();
        }
    }

    @Test
    void v2Tcp4Tcp6Udp4RoundTripWithExactLayout() {
        final ByteBuf b = ProxyHeaderEncoder.v2(ByteBufAllocator.DEFAULT, SRC4, DST4, false);
        try {
            assertThat(b.readableBytes()).isEqualTo(16 + 12);
            assertThat(b.getByte(12)).isEqualTo((byte) 0x21);
            assertThat(b.getByte(13)).isEqualTo((byte) 0x11);
            assertThat(b.getUnsignedShort(14)).isEqualTo(12);
            assertThat(b.getUnsignedByte(16)).isEqualTo((short) 203);
            assertThat(b.getUnsignedShort(24)).isEqualTo(40000);
            assertThat(b.getUnsignedShort(26)).isEqualTo(443);
            final ProxyHeaderDecoder d = new ProxyHeaderDecoder();
            assertThat(d.decode(b)).isEqualTo(ProxyHeaderDecoder.DONE);
            assertThat(d.source).isEqualTo(SRC4);
        } finally {
            b.release();
        }
        final ByteBuf b6 = ProxyHeaderEncoder.v2(ByteBufAllocator.DEFAULT, SRC6, DST6, false);
        try {
            assertThat(b6.getByte(13)).isEqualTo((byte) 0x21);
            assertThat(b6.getUnsignedShort(14)).isEqualTo(36);
            final ProxyHeaderDecoder d = new ProxyHeaderDecoder();
            assertThat(d.decode(b6)).isEqualTo(ProxyHeaderDecoder.DONE);
            assertThat(d.source).isEqualTo(SRC6);
            assertThat(d.destination).isEqualTo(DST6);
        } finally {
            b6.release();
        }
        final ByteBuf u = ProxyHeaderEncoder.v2(ByteBufAllocator.DEFAULT, SRC4, DST4, true);
        try {
            assertThat(u.getByte(13)).isEqualTo((byte) 0x12);
        } finally {
            u.release();
        }
    }

    @Test
    void partialHeadersNeedMoreAndPlainHttpIsNotProxy() {
        final ProxyHeaderDecoder d = new ProxyHeaderDecoder();
        final ByteBuf v1 = Unpooled.copiedBuffer("PROXY TCP4 1.2.3.4", StandardCharsets.US_ASCII);
        final ByteBuf v2 = Unpooled.wrappedBuffer(new byte[] {0x0D, 0x0A, 0x0D});
        final ByteBuf http = Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII);
        final ByteBuf pr = Unpooled.copiedBuffer("PR", StandardCharsets.US_ASCII);
        final ByteBuf post = Unpooled.copiedBuffer("POST / HTTP/1.1\r\n", StandardCharsets.US_ASCII);
        assertThat(d.decode(v1)).isEqualTo(ProxyHeaderDecoder.NEED_MORE);
        assertThat(d.decode(v2)).isEqualTo(ProxyHeaderDecoder.NEED_MORE);
        assertThat(d.decode(pr)).isEqualTo(ProxyHeaderDecoder.NEED_MORE);
        assertThat(d.decode(http)).isEqualTo(ProxyHeaderDecoder.NOT_PROXY);
        assertThat(d.decode(post)).isEqualTo(ProxyHeaderDecoder.NOT_PROXY);
        for (ByteBuf b : new ByteBuf[] {v1, v2, http, pr, post}) {
            b.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
        "PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
        "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",
        "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
        "PROXY TCP4 host.example 5.6.7.8 1 2\r\n"
    })
    void malformedV1IsAnError(String line) {
        final ByteBuf b = Unpooled.copiedBuffer(line, StandardCharsets.US_ASCII);
        try {
            assertThat(new ProxyHeaderDecoder().decode(b)).isEqualTo(ProxyHeaderDecoder.ERROR);
        } finally {
            b.release();
        }
    }

    @Test
    void malformedV2IsAnError() {
        final ByteBuf ok = ProxyHeaderEncoder.v2(ByteBufAllocator.DEFAULT, SRC4, DST4, false);
        final ByteBuf badVersion = ok.copy();
        badVersion.setByte(12, 0x11);
        final ByteBuf badFamily = ok.copy();
        badFamily.setByte(13, 0x31);
        final ByteBuf shortLen = ok.copy();
        shortLen.setShort(14, 4);
        try {
            assertThat(new ProxyHeaderDecoder().decode(badVersion)).isEqualTo(ProxyHeaderDecoder.ERROR);
            assertThat(new ProxyHeaderDecoder().decode(badFamily)).isEqualTo(ProxyHeaderDecoder.ERROR);
            assertThat(new ProxyHeaderDecoder().decode(shortLen)).isEqualTo(ProxyHeaderDecoder.ERROR);
        } finally {
            ok.release();
            badVersion.release();
            badFamily.release();
            shortLen.release();
        }
    }
}
