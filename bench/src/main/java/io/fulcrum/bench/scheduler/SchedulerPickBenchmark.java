package io.fulcrum.bench.scheduler;

import java.net.InetAddress;
import java.net.UnknownHostException;
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

import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.BackendGroupConfiguration;
import io.fulcrum.scheduler.BackendSpec;
import io.fulcrum.scheduler.FlowHash;
import io.fulcrum.scheduler.GroupSnapshot;
import io.fulcrum.scheduler.Layer;
import io.fulcrum.scheduler.Scheduler;
import io.fulcrum.scheduler.SchedulerAlgorithm;

/**
 * One pick per operation against a group of {@code backends} backends with weights 1..100; lc/wlc also count
 * the connection open and close (the data path does both per flow). Run with {@code -prof gc}: 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseCompactObjectHeaders"})
public class SchedulerPickBenchmark {
    @Param({"rr", "wrr", "lc", "wlc", "sh", "mh"})
    public String algorithm;

    @Param({"100"})
    public int backends;

    private BackendGroup group;
    private Scheduler scheduler;
    private long[] hashes;
    private int index;

    @Setup
    public void setUp() throws UnknownHostException {
        group = new BackendGroup(BackendGroupConfiguration.defaults("bench", Layer.L4, SchedulerAlgorithm.parse(algorithm), 1)
            .withHealthChecked(false), 0);
        final SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < backends; i++) {
            group.add(new BackendSpec(InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i}), 80,
                1 + random.nextInt(100)), 0);
        }
        scheduler = group.scheduler();
        hashes = new long[4096];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = FlowHash.source(random.nextInt());
        }
    }

    @Benchmark
    public int pick() {
        final GroupSnapshot snapshot = group.snapshot();
        final int slot = scheduler.pick(snapshot, 0, hashes[index++ & 4095]);
        final int ref = snapshot.ref(slot);
        scheduler.connectionOpened(0, ref);
        scheduler.connectionClosed(0, ref);
        return slot;
    }
}
