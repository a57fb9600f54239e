package io.fulcrum.bench.forwarder;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.fulcrum.forwarder.io.mem.InMemoryPacketIo;
import io.fulcrum.forwarder.stage.PacketProcessor;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.L4Harness;
import io.fulcrum.forwarder.testing.PacketBuilder;
import io.fulcrum.forwarder.testing.TestNet;
import io.fulcrum.forwarder.xmit.TcpOptionEditor;

/**
 * The L4 per-packet path on in-memory frames, for an established FULLNAT TCP flow with a 512-byte payload:
 * TOA insertion alone (copy into the scratch frame with the option), the whole stage chain for a client packet
 * (Ethernet, IPv4 validation, flow lookup, LVS state, translation, incremental checksums, next hop) and for a
 * backend reply, and a whole agent duty cycle for one client packet (inject, receive, process, transmit, release,
 * flush, timer wheel). Each processing operation first copies the template into the working frame, since the
 * frame is rewritten in place.
 *
 * <p>Run: {@code scripts/build.sh -q -pl bench -am -DskipTests package} then
 * {@code java -cp "bench/target/fulcrum-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" org.openjdk.jmh.Main L4Bench -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class L4Bench {
    private Arena arena;
    private L4Harness l4;
    private AgentHarness harness;
    private PacketProcessor processor;
    private MemorySegment work;
    private MemorySegment toaTarget;
    private MemorySegment clientData;
    private MemorySegment backendData;
    private int clientLength;
    private int backendLength;
    private long nowMs;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        l4 = new L4Harness(1 << 16, 1, 0);
        harness = l4.agent();
        final byte[] mss = {2, 4, 5, (byte) 0xb4};
        harness.process(0, PacketBuilder.ethernet(TestNet.CLIENT_MAC, TestNet.LB0_MAC).ipv4(TestNet.CLIENT_IP, L4Harness.VIP)
            .tcp(33000, 80, 100, 0, 0x02, mss, new byte[0]).build(), 0);
        harness.process(1, PacketBuilder.ethernet(TestNet.BACKEND_MAC, TestNet.LB1_MAC).ipv4(TestNet.BACKEND_IP,
            L4Harness.LOCAL_IP).tcp(L4Harness.BACKEND_PORT, L4Harness.FIRST_LOCAL_PORT, 500, 101, 0x12, mss, new byte[0])
            .build(), 0);
        // The backend acknowledges client data: TOA is no longer pending, steady-state packets stay the same size.
        harness.process(1, PacketBuilder.ethernet(TestNet.BACKEND_MAC, TestNet.LB1_MAC).ipv4(TestNet.BACKEND_IP,
            L4Harness.LOCAL_IP).tcp(L4Harness.BACKEND_PORT, L4Harness.FIRST_LOCAL_PORT, 501, 613, 0x10, new byte[0]).build(), 0);
        final byte[] client = PacketBuilder.ethernet(TestNet.CLIENT_MAC, TestNet.LB0_MAC).ipv4(TestNet.CLIENT_IP, L4Harness.VIP)
            .tcp(33000, 80, 613, 501, 0x18, new byte[512]).build();
        final byte[] backend = PacketBuilder.ethernet(TestNet.BACKEND_MAC, TestNet.LB1_MAC).ipv4(TestNet.BACKEND_IP,
            L4Harness.LOCAL_IP).tcp(L4Harness.BACKEND_PORT, L4Harness.FIRST_LOCAL_PORT, 501, 1125, 0x18, new byte[512]).build();
        clientData = copy(client);
        backendData = copy(backend);
        clientLength = client.length;
        backendLength = backend.length;
        work = arena.allocate(2048, 64);
        toaTarget = arena.allocate(2048, 64);
        processor = harness.agent().processor();
        nowMs = harness.nowMs();
        harness.clearTx();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        l4.close();
        arena.close();
    }

    private MemorySegment copy(final byte[] bytes) {
        final MemorySegment segment = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, 0, bytes.length);
        return segment;
    }

    /** TOA insertion into a copy of a 566-byte frame (headers, option, payload, both checksums). */
    @Benchmark
    public int toaInsert() {
        return TcpOptionEditor.insertToa(clientData, 0, 14, 34, clientLength, toaTarget, 254, TestNet.CLIENT_IP, 33000);
    }

    /** Copy + the whole stage chain for a client data packet of an established FULLNAT flow. */
    @Benchmark
    public int fullNatClientPacket() {
        MemorySegment.copy(clientData, 0, work, 0, clientLength);
        return processor.process(0, work, 0, clientLength, 0, nowMs);
    }

    /** Copy + the whole stage chain for a backend reply of that flow. */
    @Benchmark
    public int fullNatBackendPacket() {
        MemorySegment.copy(backendData, 0, work, 0, backendLength);
        return processor.process(1, work, 0, backendLength, 0, nowMs);
    }

    /** A whole agent duty cycle for one client packet (in-memory I/O). */
    @Benchmark
    public int dutyCycleClientPacket() {
        final InMemoryPacketIo port = harness.port(0);
        port.inject(clientData, 0, clientLength, 0);
        final int work = harness.agent().doWork();
        harness.port(1).clearTx();
        return work;
    }
}
