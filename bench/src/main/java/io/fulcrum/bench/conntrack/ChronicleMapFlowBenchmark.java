package io.fulcrum.bench.conntrack;

import static io.fulcrum.bench.conntrack.FlowKeys.BACKEND_PORT;
import static io.fulcrum.bench.conntrack.FlowKeys.TCP;
import static io.fulcrum.bench.conntrack.FlowKeys.VIP;
import static io.fulcrum.bench.conntrack.FlowKeys.VPORT;

import java.util.concurrent.TimeUnit;

import net.openhft.chronicle.core.values.IntValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.values.Values;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Baseline: an in-memory Chronicle Map 2026.1 holding the same flows under both direction keys (2 entries per
 * flow). Keys and values are Chronicle value interfaces, lookups use {@code getUsing} and removal a query
 * context, the garbage-free API.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "-Xmx6g",
    "--enable-native-access=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true",
})
public class ChronicleMapFlowBenchmark {
    @Param({"1000000", "10000000"})
    int flows;

    private ChronicleMap<ChronicleFlowKey, IntValue> map;
    private ChronicleFlowKey probe;
    private IntValue value;
    private int[] keyOfSlot;
    private int stride;
    private int cursor;
    private int nextKey;

    @Setup(Level.Trial)
    public void setUp() {
        map = ChronicleMap.of(ChronicleFlowKey.class, IntValue.class).name("flows").entries(2L * flows + 1024).create();
        probe = Values.newHeapInstance(ChronicleFlowKey.class);
        value = Values.newHeapInstance(IntValue.class);
        keyOfSlot = new int[flows];
        for (int k = 0; k < flows; k++) {
            keyOfSlot[k] = k;
            put(k);
        }
        nextKey = flows;
        stride = FlowKeys.stride(flows);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        map.close();
    }

    private ChronicleFlowKey key(final int srcIp, final int dstIp, final int srcPort, final int dstPort) {
        probe.setSrcIp(srcIp);
        probe.setDstIp(dstIp);
        probe.setPorts(srcPort << 16 | dstPort);
        probe.setProto(TCP);
        return probe;
    }

    private void put(final int key) {
        value.setValue(key);
        map.put(key(FlowKeys.clientIp(key), VIP, FlowKeys.clientPort(key), VPORT), value);
        map.put(key(FlowKeys.backendIp(key), FlowKeys.localIp(key), BACKEND_PORT, FlowKeys.localPort(key)), value);
    }

    private void remove(final ChronicleFlowKey key) {
        try (ExternalMapQueryContext<ChronicleFlowKey, IntValue, ?> c = map.queryContext(key)) {
            c.updateLock().lock();
            final MapEntry<ChronicleFlowKey, IntValue> entry = c.entry();
            if (entry != null) {
                c.remove(entry);
            }
        }
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
    public IntValue lookupOriginal() {
        final int key = keyOfSlot[next()];
        return map.getUsing(key(FlowKeys.clientIp(key), VIP, FlowKeys.clientPort(key), VPORT), value);
    }

    @Benchmark
    public IntValue lookupMiss() {
        final int key = keyOfSlot[next()];
        return map.getUsing(key(FlowKeys.clientIp(key), VIP + 1, FlowKeys.clientPort(key), VPORT), value);
    }

    @Benchmark
    public int removeInsert() {
        final int slot = next();
        final int old = keyOfSlot[slot];
        remove(key(FlowKeys.clientIp(old), VIP, FlowKeys.clientPort(old), VPORT));
        remove(key(FlowKeys.backendIp(old), FlowKeys.localIp(old), BACKEND_PORT, FlowKeys.localPort(old)));
        final int key = nextKey++;
        keyOfSlot[slot] = key;
        put(key);
        return key;
    }
}
