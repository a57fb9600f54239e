package io.fulcrum.bench.forwarder;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
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

import io.fulcrum.forwarder.ForwarderConfiguration;
import io.fulcrum.forwarder.agent.ForwarderAgent;
import io.fulcrum.forwarder.io.PacketIo;
import io.fulcrum.forwarder.io.mem.InMemoryPacketIo;
import io.fulcrum.forwarder.neighbour.NeighbourTable;
import io.fulcrum.forwarder.stage.ForwarderCounters;
import io.fulcrum.forwarder.stage.InterfaceAddresses;
import io.fulcrum.forwarder.stage.L4Stage;
import io.fulcrum.forwarder.stage.PacketProcessor;
import io.fulcrum.forwarder.testing.AgentHarness;
import io.fulcrum.forwarder.testing.PacketBuilder;
import io.fulcrum.forwarder.testing.TestNet;

/**
 * The protocol stage's reply paths on in-memory frames: parse + ARP reply, parse + validate + ICMP echo
 * reply (64-byte payload, i.e. a default {@code ping}), a validation drop, and a whole agent duty cycle
 * for one ICMP frame (inject, receive, process, transmit, release, flush). Each operation first copies the
 * request template into the working frame, since the reply is built in place (42 / 98 bytes).
 *
 * <p>Run: {@code scripts/build.sh -q -pl bench -am -DskipTests package} then
 * {@code java -cp "bench/target/fulcrum-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" org.openjdk.jmh.Main ArpIcmpBench -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ArpIcmpBench {
    private static final long NOW_MS = 1_000_000L;

    private Arena arena;
    private PacketProcessor processor;
    private MemorySegment frame;
    private MemorySegment arpRequest;
    private MemorySegment icmpRequest;
    private MemorySegment badChecksum;
    private int arpLength;
    private int icmpLength;
    private int badChecksumLength;
    private ForwarderAgent agent;
    private InMemoryPacketIo agentPort;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        final byte[] arp = PacketBuilder.ethernet(TestNet.CLIENT_MAC, TestNet.BROADCAST_MAC)
            .arpRequest(TestNet.CLIENT_MAC, TestNet.CLIENT_IP, TestNet.LB0_IP).build();
        final byte[] icmp = PacketBuilder.ethernet(TestNet.CLIENT_MAC, TestNet.LB0_MAC)
            .ipv4(TestNet.CLIENT_IP, TestNet.LB0_IP).icmpEcho(0x1234, 1, new byte[56]).build();
        final byte[] bad = PacketBuilder.ethernet(TestNet.CLIENT_MAC, TestNet.LB0_MAC)
            .ipv4(TestNet.CLIENT_IP, TestNet.LB0_IP).icmpEcho(0x1234, 1, new byte[56]).badIpChecksum().build();
        arpRequest = copy(arp);
        icmpRequest = copy(icmp);
        badChecksum = copy(bad);
        arpLength = arp.length;
        icmpLength = icmp.length;
        badChecksumLength = bad.length;
        frame = arena.allocate(2048, 64);

        final ForwarderConfiguration configuration = AgentHarness.defaultConfiguration();
        final CountersManager counters = countersManager();
        final InterfaceAddresses[] interfaces = {
            InterfaceAddresses.of(configuration.interfaces().get(0), TestNet.LB0_MAC),
            InterfaceAddresses.of(configuration.interfaces().get(1), TestNet.LB1_MAC),
        };
        processor = new PacketProcessor(interfaces, new NeighbourTable(1024, 64, 30_000, 1000),
            new ForwarderCounters(counters, 0, new String[] {"lb0", "lb1"}), (port, f, offset, length) -> true,
            L4Stage.NO_LISTENER);

        agentPort = new InMemoryPacketIo("lb0", TestNet.LB0_MAC);
        final PacketIo[] ports = {agentPort, new InMemoryPacketIo("lb1", TestNet.LB1_MAC)};
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(NOW_MS * 1_000_000L);
        agent = new ForwarderAgent(configuration, ports, countersManager(), clock);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        agent.onClose();
        arena.close();
    }

    private MemorySegment copy(final byte[] bytes) {
        final MemorySegment segment = arena.allocate(bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, 0, bytes.length);
        return segment;
    }

    private static CountersManager countersManager() {
        return new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(AgentHarness.MAX_COUNTERS * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(AgentHarness.MAX_COUNTERS * CountersReader.COUNTER_LENGTH)));
    }

    /** Parse + ARP request turned into its reply in place. Returns verdict + length so nothing is dead code. */
    @Benchmark
    public int arpReply() {
        MemorySegment.copy(arpRequest, 0, frame, 0, arpLength);
        return processor.process(0, frame, 0, arpLength, 0, NOW_MS) + processor.txLength();
    }

    /** Parse + IPv4 validation + ICMP checksum verification + echo reply in place (98-byte frame). */
    @Benchmark
    public int icmpEchoReply() {
        MemorySegment.copy(icmpRequest, 0, frame, 0, icmpLength);
        return processor.process(0, frame, 0, icmpLength, 0, NOW_MS) + processor.txLength();
    }

    /** A frame dropped by IPv4 validation (bad header checksum). */
    @Benchmark
    public int ipv4BadChecksumDrop() {
        MemorySegment.copy(badChecksum, 0, frame, 0, badChecksumLength);
        return processor.process(0, frame, 0, badChecksumLength, 0, NOW_MS);
    }

    /** One whole duty cycle of an agent with one ICMP echo request: inject, receive, reply, transmit, flush. */
    @Benchmark
    public int agentIcmpDutyCycle() {
        agentPort.inject(icmpRequest, 0, icmpLength, 0);
        final int work = agent.doWork();
        agentPort.clearTx();
        return work;
    }
}
