package io.fulcrum.tls.http;

import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendGroupSettings;
import io.fulcrum.tls.HttpListenerSettings;
import io.fulcrum.tls.HttpStage;
import io.fulcrum.tls.HttpStageOptions;
import io.fulcrum.tls.testing.TestBackend;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/** Starts a stage with one listener on 127.0.0.1:0 in front of test backends. */
final class ProxyFixture implements AutoCloseable {
    final HttpStage stage;
    final InetSocketAddress address;
    final String url;

    private ProxyFixture(HttpStage stage, InetSocketAddress address) {
        this.stage = stage;
        this.address = address;
        this.url = "http://127.0.0.1:" + address.getPort();
    }

    static BackendGroupSettings group(String id, TestBackend... backends) {
        return new BackendGroupSettings(id, Arrays.stream(backends)
                .map(b -> new Backend(b.name(), b.address(), 1)).toList());
    }

    static ProxyFixture start(BackendGroupSettings group, UnaryOperator<HttpListenerSettings> customise)
            throws InterruptedException {
        final HttpListenerSettings s = customise.apply(HttpListenerSettings.simple("web",
                new InetSocketAddress("127.0.0.1", 0), group));
        final HttpStage stage = HttpStage.start(List.of(s), List.of(), HttpStageOptions.defaults().withThreads(2));
        return new ProxyFixture(stage, stage.boundAddress("web"));
    }

    static ProxyFixture start(HttpListenerSettings s) throws InterruptedException {
        return start(s, HttpStageOptions.defaults().withThreads(2));
    }

    static ProxyFixture start(HttpListenerSettings s, HttpStageOptions options) throws InterruptedException {
        final HttpStage stage = HttpStage.start(List.of(s), List.of(), options);
        return new ProxyFixture(stage, stage.boundAddress(s.id()));
    }

    static HttpListenerSettings listener(BackendGroupSettings group) {
        return HttpListenerSettings.simple("web", new InetSocketAddress("127.0.0.1", 0), group);
    }

    @Override
    public void close() {
        stage.close();
    }
}
