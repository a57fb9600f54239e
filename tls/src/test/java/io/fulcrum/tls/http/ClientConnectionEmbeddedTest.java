package io.fulcrum.tls.http;

import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.RoundRobinBackendSelector;
import io.fulcrum.tls.Transport;
import io.fulcrum.tls.Backend;
import io.fulcrum.tls.metrics.ListenerCounters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client handler on an {@link EmbeddedChannel} (paranoid leak detection is on for the suite): requests rejected
 * before any backend is involved get their status, the channel closes, and every buffer is released (the channel
 * finishes with nothing pending, and the leak detector reports nothing).
 */
class ClientConnectionEmbeddedTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "CL.TE | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 4\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400",
        "xchunked | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: xchunked\\r\\n\\r\\n | 501",
        "obs-fold | GET / HTTP/1.1\\r\\nHost: x\\r\\nA: b\\r\\n c\\r\\n\\r\\n | 400",
        "bare LF | GET / HTTP/1.1\\nHost: x\\n\\n | 400",
        "no host | GET / HTTP/1.1\\r\\n\\r\\n | 400",
        "connect | CONNECT a:443 HTTP/1.1\\r\\nHost: a:443\\r\\n\\r\\n | 501",
        "no rule | GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 404"
    })
    void rejectedRequestsReleaseEverything(String name, String request, int status) {
        final BackendGroupSettings g = new BackendGroupSettings("g", List.of(
                Backend.of(new InetSocketAddress("127.0.0.1", 9))));
        HttpListenerSettings s = HttpListenerSettings.simple("e", new InetSocketAddress("127.0.0.1", 0), g);
        if (status == 404) {
            s = s.withRules(List.of(), List.of(g), null);
        }
        final ListenerRuntime lr = new ListenerRuntime(s, RoundRobinBackendSelector::new, null, Map.of());
        final EmbeddedChannel ch = new EmbeddedChannel(new ClientConnection(lr, new StageContext(Transport.NIO)));
        final String wire = request.replace("\\r", "\r").replace("\\n", "\n");
        // feed in two pieces to exercise the cumulation
        final int half = wire.length() / 2;
        ch.writeInbound(Unpooled.copiedBuffer(wire.substring(0, half), StandardCharsets.ISO_8859_1));
        ch.writeInbound(Unpooled.copiedBuffer(wire.substring(half), StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
        final StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        assertThat(out.toString()).startsWith("HTTP/1.1 " + status).contains("x-fulcrum-error: ");
        // framing errors close the connection; a clean 404 keeps it for the next request
        assertThat(ch.isOpen()).isEqualTo(status == 404);
        ch.close();
        assertThat(lr.counters().get(ListenerCounters.Counter.REQUESTS)).isEqualTo(1);
        assertThat(lr.counters().get(ListenerCounters.Counter.CONNECTIONS_ACTIVE)).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
