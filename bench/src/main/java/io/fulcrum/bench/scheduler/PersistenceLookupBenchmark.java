package io.fulcrum.bench.scheduler;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.fulcrum.scheduler.persistence.PersistenceTable;
import io.fulcrum.scheduler.persistence.SourcePersistence;

/**
 * Source-IP persistence lookups in an off-heap table of {@code capacity} entries holding {@code clients}
 * clients (random access, so mostly cache misses at 4 M entries = 128 MiB): hits and misses.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PersistenceLookupBenchmark {
    private static final long TIMEOUT_MS = 1_200_000;

    @Param({"4194304"})
    public int capacity;

    @Param({"1000000"})
    public int clients;

    private PersistenceTable table;
    private int next;

    @Setup
    public void setUp() {
        table = new PersistenceTable(capacity, 1, true);
        for (int c = 0; c < clients; c++) {
            table.putIfAbsent(0, 1, 0, SourcePersistence.ipv4Low(c * 0x9E3779B1), 0x10001 + (c & 0xff), 0, TIMEOUT_MS, 0);
        }
    }

    @TearDown
    public void tearDown() {
        table.close();
    }

    @Benchmark
    public int lookupHit() {
        final int c = next;
        next = c + 1 == clients ? 0 : c + 1;
        return table.lookup(0, 1, 0, SourcePersistence.ipv4Low((int) ((c * 7919L) % clients) * 0x9E3779B1), TIMEOUT_MS, 1);
    }

    @Benchmark
    public int lookupMiss() {
        final int c = next++;
        return table.lookup(0, 2, 0, SourcePersistence.ipv4Low(c), TIMEOUT_MS, 1);
    }
}
