package io.fulcrum.bench.conntrack;

import static io.fulcrum.bench.conntrack.FlowKeys.BACKEND_PORT;
import static io.fulcrum.bench.conntrack.FlowKeys.TCP;
import static io.fulcrum.bench.conntrack.FlowKeys.VIP;
import static io.fulcrum.bench.conntrack.FlowKeys.VPORT;

import io.fulcrum.conntrack.FlowDescriptor;
import io.fulcrum.conntrack.FlowExpiryHandler;
import io.fulcrum.conntrack.FlowTable;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link FlowTable} lookup (both directions, hit and miss), remove+insert churn and insert+expire at 1 M and 10 M
 * live flows, in scattered key order (every lookup a likely cache miss, as with real traffic).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "--enable-native-access=ALL-UNNAMED"})
public class FlowTableBenchmark {
    @Param({"1000000", "10000000"})
    int flows;

    private FlowTable table;
    private int[] keyOfSlot;
    private int[] flowOfSlot;
    private int stride;
    private int cursor;
    private int nextKey;
    private long nowMs;
    private final FlowExpiryHandler handler = (flow, reset, now) -> { };

    @Setup(Level.Trial)
    public void setUp() {
        // 10 M flows: 2^24 capacity (1.75 GiB). 256 ms ticks keep the insert+expire run's deadlines within one lap.
        table = new FlowTable(Integer.highestOneBit(flows - 1) << 1, 256, 1 << 16, 0x5EED, 0);
        keyOfSlot = new int[flows];
        flowOfSlot = new int[flows];
        for (int k = 0; k < flows; k++) {
            keyOfSlot[k] = k;
            flowOfSlot[k] = insert(k, 0, k);
        }
        nextKey = flows;
        // Prefilled flow k is due at k ms: from the first operation on, about one flow falls due per operation.
        nowMs = 0;
        stride = FlowKeys.stride(flows);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        table.close();
    }

    private int insert(final int key, final long now, final long timeoutMs) {
        final int flow = table.insert(FlowKeys.clientIp(key), VIP, FlowKeys.clientPort(key), VPORT, TCP,
            FlowKeys.backendIp(key), FlowKeys.localIp(key), BACKEND_PORT, FlowKeys.localPort(key),
            FlowDescriptor.NAT_FULLNAT, now, timeoutMs);
        if (flow < 0) {
            throw new IllegalStateException("insert failed " + flow + " for key " + key);
        }
        return flow;
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
    public int lookupOriginal() {
        final int key = keyOfSlot[next()];
        return table.lookup(FlowKeys.clientIp(key), VIP, FlowKeys.clientPort(key), VPORT, TCP);
    }

    @Benchmark
    public int lookupReply() {
        final int key = keyOfSlot[next()];
        return table.lookup(FlowKeys.backendIp(key), FlowKeys.localIp(key), BACKEND_PORT, FlowKeys.localPort(key), TCP);
    }

    @Benchmark
    public int lookupMiss() {
        final int key = keyOfSlot[next()];
        return table.lookup(FlowKeys.clientIp(key), VIP + 1, FlowKeys.clientPort(key), VPORT, TCP);
    }

    /** One flow ends (remove) and a new one starts (insert) at a scattered position: the table stays full. */
    @Benchmark
    public int removeInsert() {
        final int slot = next();
        table.remove(flowOfSlot[slot]);
        final int key = nextKey++;
        keyOfSlot[slot] = key;
        final int flow = insert(key, 0, 900_000);
        flowOfSlot[slot] = flow;
        return flow;
    }

    /**
     * Steady state on the virtual clock (1 ms per operation, flows live {@code flows} ms): insert one flow, then
     * let the timer wheel expire what is due with a small budget. About one expiry (wheel visit, handler, remove
     * of both index slots) per operation.
     */
    @Benchmark
    public int insertExpire() {
        final long now = ++nowMs;
        insert(nextKey++, now, flows);
        return table.expire(now, 8, handler);
    }
}
