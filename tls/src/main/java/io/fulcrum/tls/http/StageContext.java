package io.fulcrum.tls.http;

import io.fulcrum.tls.Transport;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** State shared by all HTTP listeners of one stage: transport and the per-event-loop backend pools. */
public final class StageContext {
    final Transport transport;
    private final List<BackendPool> pools = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<BackendPool> pool = new FastThreadLocal<>() {
        @Override
        protected BackendPool initialValue() {
            final BackendPool p = new BackendPool(64, TimeUnit.SECONDS.toNanos(30));
            pools.add(p);
            return p;
        }
    };

    /** Context for this transport. */
    public StageContext(Transport transport) {
        this.transport = transport;
    }

    /** The pool of the calling event loop. */
    BackendPool pool() {
        return pool.get();
    }
}
