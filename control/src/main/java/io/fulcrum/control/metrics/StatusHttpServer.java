package io.fulcrum.control.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fulcrum.common.config.Endpoint;
import io.fulcrum.control.runtime.NodeRuntime;
import io.fulcrum.control.runtime.ObjectStats;

/**
 * The node's HTTP endpoint ({@code control.metrics.address}) on its own thread: {@code /metrics} (Prometheus text),
 * {@code /} (the status page, plain HTML and JavaScript from the class path), {@code /status.json} (what the page
 * polls). Read-only: nothing here changes the node.
 */
public final class StatusHttpServer implements AutoCloseable {
    private static final String PAGE = "/io/fulcrum/control/web/status.html";

    private final HttpServer server;
    private final ExecutorService executor;

    private StatusHttpServer(final HttpServer server, final ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving.
     *
     * @throws IOException when the address cannot be bound
     */
    public static StatusHttpServer start(final Endpoint address, final NodeRuntime runtime, final MetricsExporter exporter,
                                         final Supplier<Map<String, ObjectStats>> rates) throws IOException {
        final HttpServer server = HttpServer.create(new InetSocketAddress(
            java.net.InetAddress.getByName(address.address().toString()), address.port()), 16);
        final byte[] page;
        try (InputStream in = StatusHttpServer.class.getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new IOException("status page " + PAGE + " is missing from the class path");
            }
            page = in.readAllBytes();
        }
        server.createContext("/metrics", exchange -> send(exchange, 200, PrometheusText.CONTENT_TYPE,
            exporter.scrape().getBytes(StandardCharsets.UTF_8)));
        server.createContext("/status.json", exchange -> send(exchange, 200, "application/json; charset=utf-8",
            StatusFormat.json(runtime.status(), rates.get()).getBytes(StandardCharsets.UTF_8)));
        server.createContext("/", exchange -> {
            final String path = exchange.getRequestURI().getPath();
            if ("/".equals(path) || "/status".equals(path) || "/index.html".equals(path)) {
                send(exchange, 200, "text/html; charset=utf-8", page);
            } else {
                send(exchange, 404, "text/plain; charset=utf-8", ("not found: " + path + " (try /, /metrics or "
                    + "/status.json)\n").getBytes(StandardCharsets.UTF_8));
            }
        });
        final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "fulcrum-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new StatusHttpServer(server, executor);
    }

    /** The bound port (useful with port 0 in tests... the config requires 1..65535). */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void send(final HttpExchange exchange, final int status, final String type, final byte[] body)
        throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                final byte[] refusal = "only GET and HEAD\n".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, refusal.length);
                exchange.getResponseBody().write(refusal);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            final boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (final RuntimeException e) {
            throw new IOException("cannot serve " + exchange.getRequestURI() + ": " + e, e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
