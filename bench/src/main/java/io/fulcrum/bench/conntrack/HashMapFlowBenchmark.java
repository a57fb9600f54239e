package io.fulcrum.bench.conntrack;

import static io.fulcrum.bench.conntrack.FlowKeys.BACKEND_PORT;
import static io.fulcrum.bench.conntrack.FlowKeys.TCP;
import static io.fulcrum.bench.conntrack.FlowKeys.VIP;
import static io.fulcrum.bench.conntrack.FlowKeys.VPORT;

import java.util.HashMap;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Baseline: {@code java.util.HashMap} holding the same flows under both direction keys (2 entries per flow, as
 * the flow table indexes both directions). Lookups use a reused mutable probe key (no allocation); inserts
 * necessarily allocate key, node and value objects.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
public class HashMapFlowBenchmark {
    @Param({"1000000", "10000000"})
    int flows;

    /** A five-tuple key; mutable so one instance can probe without allocating. */
    static final class TupleKey {
        int srcIp;
        int dstIp;
        int ports;
        int proto;

        TupleKey set(final int srcIp, final int dstIp, final int srcPort, final int dstPort, final int proto) {
            this.srcIp = srcIp;
            this.dstIp = dstIp;
            this.ports = srcPort << 16 | dstPort;
            this.proto = proto;
            return this;
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof TupleKey k && k.srcIp == srcIp && k.dstIp == dstIp && k.ports == ports && k.proto == proto;
        }

        @Override
        public int hashCode() {
            long h = (((long) srcIp << 32) | (dstIp & 0xFFFFFFFFL)) * 0x9E3779B97F4A7C15L;
            h ^= (((long) ports << 8) | proto) * 0xC2B2AE3D27D4EB4FL;
            h ^= h >>> 33;
            h *= 0xFF51AFD7ED558CCDL;
            h ^= h >>> 33;
            return (int) h;
        }
    }

    private HashMap<TupleKey, Integer> map;
    private final TupleKey probe = new TupleKey();
    private int[] keyOfSlot;
    private int stride;
    private int cursor;
    private int nextKey;

    @Setup(Level.Trial)
    public void setUp() {
        map = new HashMap<>(4 * flows);
        keyOfSlot = new int[flows];
        for (int k = 0; k < flows; k++) {
            keyOfSlot[k] = k;
            put(k);
        }
        nextKey = flows;
        stride = FlowKeys.stride(flows);
    }

    private void put(final int key) {
        final Integer value = key;
        map.put(new TupleKey().set(FlowKeys.clientIp(key), VIP, FlowKeys.clientPort(key), VPORT, TCP), value);
        map.put(new TupleKey().set(FlowKeys.backendIp(key), FlowKeys.localIp(key), BACKEND_PORT, FlowKeys.localPort(key),
            TCP), value);
    }

    private int next() {
        int i = cursor + stride;
        if (i >= flows) {
            i -= flows;
        }
        cursor = i;
        return i;
    }

    @Benchmark
    public Integer lookupOriginal() {
        final int key = keyOfSlot[next()];
        return map.get(probe.set(FlowKeys.clientIp(key), VIP, FlowKeys.clientPort(key), VPORT, TCP));
    }

    @Benchmark
    public Integer lookupMiss() {
        final int key = keyOfSlot[next()];
        return map.get(probe.set(FlowKeys.clientIp(key), VIP + 1, FlowKeys.clientPort(key), VPORT, TCP));
    }

    @Benchmark
    public int removeInsert() {
        final int slot = next();
        final int old = keyOfSlot[slot];
        map.remove(probe.set(FlowKeys.clientIp(old), VIP, FlowKeys.clientPort(old), VPORT, TCP));
        map.remove(probe.set(FlowKeys.backendIp(old), FlowKeys.localIp(old), BACKEND_PORT, FlowKeys.localPort(old), TCP));
        final int key = nextKey++;
        keyOfSlot[slot] = key;
        put(key);
        return key;
    }
}
