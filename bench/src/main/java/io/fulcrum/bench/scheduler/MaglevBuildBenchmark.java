package io.fulcrum.bench.scheduler;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.fulcrum.scheduler.FlowHash;
import io.fulcrum.scheduler.MaglevTable;

/** Weighted Maglev table build for {@code backends} backends at M = {@code size} (goal: ≤ 5 ms for 1000 at 65537). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MaglevBuildBenchmark {
    @Param({"1000"})
    public int backends;

    @Param({"65537"})
    public int size;

    @Param({"equal", "weighted"})
    public String weights;

    private long[] identities;
    private int[] weightArray;
    private int[] owners;

    @Setup
    public void setUp() {
        final SplittableRandom random = new SplittableRandom(3);
        identities = new long[backends];
        weightArray = new int[backends];
        owners = new int[backends];
        for (int i = 0; i < backends; i++) {
            identities[i] = FlowHash.mix64(i + 1);
            weightArray[i] = "equal".equals(weights) ? 100 : 1 + random.nextInt(100);
            owners[i] = i;
        }
    }

    @Benchmark
    public int[] build() {
        return MaglevTable.populate(size, identities, weightArray, owners);
    }
}
