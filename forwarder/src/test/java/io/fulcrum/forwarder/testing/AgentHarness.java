package io.fulcrum.forwarder.testing;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import io.fulcrum.forwarder.ForwarderConfiguration;
import io.fulcrum.forwarder.InterfaceConfiguration;
import io.fulcrum.forwarder.agent.ForwarderAgent;
import io.fulcrum.forwarder.io.PacketIo;
import io.fulcrum.forwarder.io.mem.InMemoryPacketIo;
import io.fulcrum.forwarder.stage.ForwarderCounters;
import io.fulcrum.forwarder.stage.L4Stage;

/**
 * A {@link ForwarderAgent} over two {@link InMemoryPacketIo} ports ({@code lb0} 198.18.1.254/24 +
 * 198.18.1.253/24, {@code lb1} 198.18.2.254/24), counters in an in-memory {@link CountersManager}, and a
 * fake clock. Drive it with {@link #inject}, {@link #cycle()}, {@link #tx}.
 */
public final class AgentHarness implements AutoCloseable {
    public static final int MAX_COUNTERS = 256;

    private final InMemoryPacketIo[] ports;
    private final CachedNanoClock clock = new CachedNanoClock();
    private final CountersManager countersManager;
    private final ForwarderCounters counters;
    private final ForwarderAgent agent;
    private final List<Throwable> errors = new ArrayList<>();

    public AgentHarness() {
        this(defaultConfiguration(), L4Stage.NO_LISTENER, 256);
    }

    public AgentHarness(final ForwarderConfiguration configuration, final L4Stage l4, final int txCapacity) {
        this(configuration, l4, txCapacity, 2048);
    }

    /** With {@code frameSize}-byte port slots (GSO frames need more than 2048). */
    public AgentHarness(final ForwarderConfiguration configuration, final L4Stage l4, final int txCapacity,
                        final int frameSize) {
        this.ports = new InMemoryPacketIo[configuration.interfaces().size()];
        final long[] macs = {TestNet.LB0_MAC, TestNet.LB1_MAC};
        for (int i = 0; i < ports.length; i++) {
            final int rxCapacity = frameSize <= 2048 ? 1024 : 64;
            ports[i] = new InMemoryPacketIo(configuration.interfaces().get(i).name(), macs[i], 1500, rxCapacity, txCapacity,
                frameSize);
        }
        this.countersManager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_COUNTERS * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_COUNTERS * CountersReader.COUNTER_LENGTH)));
        this.counters = new ForwarderCounters(countersManager, configuration.agentId(), new String[] {"lb0", "lb1"});
        clock.update(1_000_000_000_000L);
        this.agent = new ForwarderAgent(configuration, ports.clone(), counters, clock, l4, errors::add);
    }

    public static ForwarderConfiguration defaultConfiguration() {
        return ForwarderConfiguration.withDefaults(0, List.of(
            new InterfaceConfiguration("lb0", new int[] {TestNet.LB0_IP, TestNet.LB0_IP2}, new int[] {24, 24}),
            new InterfaceConfiguration("lb1", new int[] {TestNet.LB1_IP}, new int[] {24})));
    }

    public ForwarderAgent agent() {
        return agent;
    }

    public ForwarderCounters counters() {
        return counters;
    }

    public CountersManager countersManager() {
        return countersManager;
    }

    public InMemoryPacketIo port(final int index) {
        return ports[index];
    }

    public PacketIo[] ports() {
        return ports.clone();
    }

    /** Exceptions the agent reported to its error handler. */
    public List<Throwable> errors() {
        return errors;
    }

    public long nowMs() {
        return clock.nanoTime() / 1_000_000L;
    }

    public void advanceMs(final long ms) {
        clock.advance(ms * 1_000_000L);
    }

    public AgentHarness inject(final int port, final byte[] frame) {
        return inject(port, frame, 0);
    }

    public AgentHarness inject(final int port, final byte[] frame, final int flags) {
        if (!ports[port].inject(frame, flags)) {
            throw new IllegalStateException("rx queue full");
        }
        return this;
    }

    /** Injects a frame with its offload word (virtio header). */
    public AgentHarness inject(final int port, final byte[] frame, final int flags, final long offload) {
        if (!ports[port].inject(MemorySegment.ofArray(frame), 0, frame.length, flags, offload)) {
            throw new IllegalStateException("rx queue full");
        }
        return this;
    }

    /** One duty cycle. */
    public int cycle() {
        return agent.doWork();
    }

    /** Injects one frame on port 0 and runs one duty cycle. */
    public AgentHarness process(final byte[] frame) {
        return process(0, frame, 0);
    }

    public AgentHarness process(final int port, final byte[] frame, final int flags) {
        inject(port, frame, flags);
        cycle();
        return this;
    }

    /** The frames transmitted on {@code port} since the last {@link #clearTx()}. */
    public List<byte[]> tx(final int port) {
        final List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < ports[port].txCount(); i++) {
            frames.add(ports[port].txFrame(i));
        }
        return frames;
    }

    public void clearTx() {
        for (final InMemoryPacketIo port : ports) {
            port.clearTx();
        }
    }

    /** rx frames minus every frame's fate: 0 when every received frame is accounted for. */
    public long unaccounted() {
        return counters.rxFrames() - counters.transmittedCount() - counters.consumedCount() - counters.dropTotal();
    }

    @Override
    public void close() {
        agent.onClose();
    }
}
