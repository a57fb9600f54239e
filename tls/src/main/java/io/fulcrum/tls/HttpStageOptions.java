package io.fulcrum.tls;

import java.util.Map;
import java.util.function.Function;

import io.fulcrum.tls.metrics.CounterStore;

/**
 * Stage-wide options.
 *
 * @param eventLoopThreads  number of event loops (0 = number of available processors)
 * @param selectorFactory   builds the backend selector of each group (the scheduler module's in production)
 * @param accessLogStatics  static access-log values: {@code lb_name}, {@code tenant_id}, {@code access_log_topic_id},
 *                          {@code log_ver}, {@code certificate_id}
 * @param transport         transport to use, or null for {@link Transport#best()}
 * @param counters          where listener, backend and TLS counters live (null: private heap cells)
 */
public record HttpStageOptions(int eventLoopThreads, Function<BackendGroupSettings, BackendSelector> selectorFactory,
                               Map<String, String> accessLogStatics, Transport transport, CounterStore counters) {
    /** Validates. */
    public HttpStageOptions {
        if (eventLoopThreads < 0) {
            throw new IllegalArgumentException("event loop threads must be >= 0");
        }
        selectorFactory = selectorFactory == null ? RoundRobinBackendSelector::new : selectorFactory;
        accessLogStatics = accessLogStatics == null ? Map.of("log_ver", "1") : Map.copyOf(accessLogStatics);
        counters = counters == null ? CounterStore.heap() : counters;
    }

    /** Options with counters in private heap cells. */
    public HttpStageOptions(int eventLoopThreads, Function<BackendGroupSettings, BackendSelector> selectorFactory,
                            Map<String, String> accessLogStatics, Transport transport) {
        this(eventLoopThreads, selectorFactory, accessLogStatics, transport, null);
    }

    /** Defaults: one loop per processor, round robin, best transport. */
    public static HttpStageOptions defaults() {
        return new HttpStageOptions(0, null, null, null);
    }

    /** Copy with a thread count. */
    public HttpStageOptions withThreads(int threads) {
        return new HttpStageOptions(threads, selectorFactory, accessLogStatics, transport, counters);
    }
}
