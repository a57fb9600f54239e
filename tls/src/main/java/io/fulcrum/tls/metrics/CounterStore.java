package io.fulcrum.tls.metrics;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * Where the stage's counters live. In a running node it is the node's Agrona counters file, so the metrics endpoint,
 * the status views and {@code fulcrum stats} read them; a stage started alone (tests, embedding) keeps them in private
 * heap cells. Counters are allocated when a listener starts, never on the request path, and written by every event
 * loop with atomic adds (lock-free, no allocation). Labels follow the node's per-object convention
 * (docs/metrics.md):
 * <pre>
 *   l7 listener &lt;listener&gt; &lt;metric&gt;          type {@link #L7_LISTENER}
 *   l7 backend &lt;group&gt;/&lt;address:port&gt; &lt;metric&gt;  type {@link #L7_BACKEND} (one set per listener using the group)
 *   l7 tls &lt;listener&gt; &lt;metric&gt;               type {@link #TLS}
 * </pre>
 */
@FunctionalInterface
public interface CounterStore {
    /** Agrona type id of the L7/proxy listener counters. */
    int L7_LISTENER = 1010;
    /** Agrona type id of the L7 backend counters. */
    int L7_BACKEND = 1011;
    /** Agrona type id of the TLS counters of HTTPS and TLS listeners. */
    int TLS = 1012;
    /** First word of every stage counter's label. */
    String LABEL_PREFIX = "l7";

    /**
     * A new counter at zero.
     *
     * @param typeId one of {@link #L7_LISTENER}, {@link #L7_BACKEND}, {@link #TLS}
     * @param label  {@code l7 <kind> <object> <metric>}
     * @throws IllegalStateException when the store is full
     */
    AtomicCounter newCounter(int typeId, String label);

    /** Private heap cells, visible to nothing but the returned counters. */
    static CounterStore heap() {
        return (typeId, label) -> new AtomicCounter(new UnsafeBuffer(new byte[CountersReader.COUNTER_LENGTH]), 0);
    }

    /**
     * Counters in a counters manager (the node's counters file). The stage allocates while it starts, before the
     * control plane can make the L4 binding allocate; calls are serialised on the manager all the same.
     */
    static CounterStore of(final CountersManager manager) {
        return (typeId, label) -> {
            synchronized (manager) {
                try {
                    return manager.newCounter(label, typeId);
                } catch (final IllegalStateException e) {
                    throw new IllegalStateException("the node's counters file is full (" + manager.maxCounterId()
                        + " counters): cannot allocate '" + label + "'", e);
                }
            }
        };
    }
}
