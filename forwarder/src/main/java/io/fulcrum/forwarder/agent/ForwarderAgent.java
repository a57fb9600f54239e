package io.fulcrum.forwarder.agent;

import java.lang.foreign.MemorySegment;
import java.util.List;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.CountersManager;

import io.fulcrum.forwarder.ForwarderConfiguration;
import io.fulcrum.forwarder.StaticNeighbourConfiguration;
import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.PacketIo;
import io.fulcrum.forwarder.neighbour.NeighbourTable;
import io.fulcrum.forwarder.stage.DropReason;
import io.fulcrum.forwarder.stage.ForwarderCounters;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.stage.FrameSender;
import io.fulcrum.forwarder.stage.ArpStage;
import io.fulcrum.forwarder.stage.InterfaceAddresses;
import io.fulcrum.forwarder.stage.L4Context;
import io.fulcrum.forwarder.stage.L4Stage;
import io.fulcrum.forwarder.stage.PacketProcessor;
import io.fulcrum.forwarder.stage.Verdict;

/**
 * One per-core forwarder agent: owns one {@link PacketIo} port per interface and runs them to
 * completion, share-nothing. A duty cycle ({@link #doWork()}) reads the clock once, then for each port
 * receives a batch, passes every frame through the {@link PacketProcessor}, transmits what it answered,
 * releases the batch; then ages a bounded slice of the neighbour table and flushes every port.
 *
 * <p>Every received frame is accounted exactly once: {@code rx frames = verdict transmit + verdict consume
 * + sum(drop reasons)} (a transmit that finds the ring full counts as drop {@code tx-ring-full}).
 *
 * <p>Exceptions are bugs: they are caught once per batch (not per frame), the frame that threw is counted
 * as drop {@code internal-error} and event {@code exception}, the error handler hears about it at most once
 * per second, and processing resumes with the next frame. Nothing here allocates after construction.
 */
public final class ForwarderAgent implements Agent, FrameSender, L4Context {
    /** Neighbour slots aged per duty cycle. */
    static final int EXPIRE_SLOTS_PER_CYCLE = 8;
    private static final long KERNEL_DROPS_INTERVAL_MS = 1000;
    private static final long ERROR_REPORT_INTERVAL_MS = 1000;
    private static final System.Logger LOG = System.getLogger(ForwarderAgent.class.getName());

    private final int agentId;
    private final PacketIo[] ports;
    private final FrameBatch[] batches;
    private final ForwarderCounters counters;
    private final boolean ownsCounters;
    private final NanoClock clock;
    private final NeighbourTable neighbours;
    private final PacketProcessor processor;
    private final L4Stage l4;
    private final InterfaceAddresses[] interfaces;
    private final ErrorHandler errorHandler;
    private int cursor;
    private long nextKernelDropsMs;
    private long nextErrorReportMs = Long.MIN_VALUE;

    /**
     * An agent with the no-listener L4 stage, counters allocated in {@code countersManager} and errors logged.
     *
     * @param ports one per configured interface, in the same order; the agent owns and closes them.
     */
    public ForwarderAgent(final ForwarderConfiguration configuration, final PacketIo[] ports,
                          final CountersManager countersManager, final NanoClock clock) {
        this(configuration, ports, new ForwarderCounters(countersManager, configuration.agentId(), portNames(ports)), true,
            clock, L4Stage.NO_LISTENER, null);
    }

    /**
     * The full constructor.
     *
     * @param configuration the agent's configuration.
     * @param ports         one per configured interface, in the same order; the agent owns and closes them.
     * @param counters      the agent's counters (not closed by the agent).
     * @param clock         the clock read once per duty cycle (monotonic; {@code CachedNanoClock} in tests).
     * @param l4            the TCP/UDP hook ({@link L4Stage#NO_LISTENER} until the L4 path exists).
     * @param errorHandler  hears about exceptions caught at the boundary (at most one per second); null logs them.
     */
    public ForwarderAgent(final ForwarderConfiguration configuration, final PacketIo[] ports, final ForwarderCounters counters,
                          final NanoClock clock, final L4Stage l4, final ErrorHandler errorHandler) {
        this(configuration, ports, counters, false, clock, l4, errorHandler);
    }

    private ForwarderAgent(final ForwarderConfiguration configuration, final PacketIo[] ports, final ForwarderCounters counters,
                           final boolean ownsCounters, final NanoClock clock, final L4Stage l4,
                           final ErrorHandler errorHandler) {
        if (ports.length != configuration.interfaces().size()) {
            throw new IllegalArgumentException("agent " + configuration.agentId() + ": " + ports.length + " ports for "
                + configuration.interfaces().size() + " interfaces");
        }
        this.agentId = configuration.agentId();
        this.ports = ports.clone();
        this.counters = counters;
        this.ownsCounters = ownsCounters;
        this.clock = clock;
        this.errorHandler = errorHandler != null ? errorHandler : this::logError;
        this.batches = new FrameBatch[ports.length];
        final InterfaceAddresses[] interfaces = new InterfaceAddresses[ports.length];
        for (int i = 0; i < ports.length; i++) {
            batches[i] = new FrameBatch(configuration.batchSize());
            interfaces[i] = InterfaceAddresses.of(configuration.interfaces().get(i), ports[i].macAddress());
        }
        this.neighbours = new NeighbourTable(configuration.neighbourCapacity(), configuration.maxPendingResolutions(),
            configuration.reachableTimeMs(), configuration.resolveRetryIntervalMs());
        final List<StaticNeighbourConfiguration> statics = configuration.staticNeighbours();
        for (final StaticNeighbourConfiguration neighbour : statics) {
            neighbours.addStatic(neighbour.address(), neighbour.mac(), configuration.interfaceIndex(neighbour.interfaceName()));
        }
        this.interfaces = interfaces;
        this.processor = new PacketProcessor(interfaces, neighbours, counters, this, l4);
        this.l4 = l4;
        l4.attach(this);
    }

    private static String[] portNames(final PacketIo[] ports) {
        final String[] names = new String[ports.length];
        for (int i = 0; i < ports.length; i++) {
            names[i] = ports[i].name();
        }
        return names;
    }

    @Override
    public String roleName() {
        return "forwarder-agent-" + agentId;
    }

    @Override
    public int doWork() {
        final long nowMs = clock.nanoTime() / 1_000_000L;
        final PacketIo[] ports = this.ports;
        int work = 0;
        try {
            work += l4.doWork(nowMs);
        } catch (final RuntimeException e) {
            counters.event(ForwarderEvent.EXCEPTION);
            reportError(e, nowMs);
        }
        for (int port = 0; port < ports.length; port++) {
            work += pollPort(port, nowMs);
        }
        final int expired = neighbours.expire(nowMs, EXPIRE_SLOTS_PER_CYCLE);
        if (expired > 0) {
            counters.event(ForwarderEvent.NEIGHBOUR_EXPIRED, expired);
        }
        for (int port = 0; port < ports.length; port++) {
            work += ports[port].flush();
        }
        if (nowMs >= nextKernelDropsMs) {
            nextKernelDropsMs = nowMs + KERNEL_DROPS_INTERVAL_MS;
            for (int port = 0; port < ports.length; port++) {
                counters.portKernelDrops(port, ports[port].kernelDrops());
            }
        }
        return work;
    }

    private int pollPort(final int port, final long nowMs) {
        final PacketIo io = ports[port];
        final FrameBatch batch = batches[port];
        final int count = io.receive(batch);
        if (count == 0) {
            return 0;
        }
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += batch.length(i);
        }
        counters.rx(count, bytes);
        cursor = 0;
        while (cursor < count) {
            try {
                processFrames(port, batch, count, nowMs);
            } catch (final RuntimeException e) {
                onFrameException(e, nowMs);
                cursor++;
            }
        }
        io.releaseRx(batch);
        return count;
    }

    private void processFrames(final int port, final FrameBatch batch, final int count, final long nowMs) {
        final PacketProcessor processor = this.processor;
        final MemorySegment memory = batch.memory();
        for (int i = cursor; i < count; i++) {
            cursor = i;
            final long offset = batch.offset(i);
            final int verdict = processor.process(port, memory, offset, batch.length(i), batch.flags(i), batch.offload(i),
                nowMs);
            account(verdict, memory, offset);
        }
        cursor = count;
    }

    private void account(final int verdict, final MemorySegment memory, final long offset) {
        if (verdict >= 0) {
            final int length = processor.txLength();
            if (ports[verdict].transmit(processor.txSegment(memory), processor.txOffset(offset), length,
                processor.txOffload())) {
                counters.transmitted();
                counters.tx(length);
            } else {
                counters.drop(DropReason.TX_RING_FULL);
            }
        } else if (verdict == Verdict.CONSUMED) {
            counters.consumed();
        } else {
            counters.drop(Verdict.dropOrdinal(verdict));
        }
    }

    @Override
    public int processHandedOver(final int port, final MemorySegment segment, final long offset, final int length,
                                 final int flags, final long nowMs) {
        int verdict;
        try {
            verdict = processor.process(port, segment, offset, length, flags, nowMs);
        } catch (final RuntimeException e) {
            onFrameException(e, nowMs);
            return Verdict.drop(DropReason.INTERNAL_ERROR);
        }
        account(verdict, segment, offset);
        return verdict;
    }

    private void onFrameException(final RuntimeException e, final long nowMs) {
        counters.drop(DropReason.INTERNAL_ERROR);
        counters.event(ForwarderEvent.EXCEPTION);
        reportError(e, nowMs);
    }

    private void reportError(final RuntimeException e, final long nowMs) {
        if (nowMs >= nextErrorReportMs) {
            nextErrorReportMs = nowMs + ERROR_REPORT_INTERVAL_MS;
            errorHandler.onError(e);
        }
    }

    private void logError(final Throwable error) {
        LOG.log(System.Logger.Level.ERROR, roleName() + ": exception while processing a frame (dropped; further ones"
            + " within 1 s are only counted)", error);
    }

    /** Sends a generated frame (ARP request) on {@code port}, counting it as transmitted. */
    @Override
    public boolean send(final int port, final MemorySegment frame, final long offset, final int length) {
        if (ports[port].transmit(frame, offset, length)) {
            counters.tx(length);
            return true;
        }
        return false;
    }

    /** Closes the ports, and the counters if this agent allocated them. */
    @Override
    public void onClose() {
        for (final PacketIo port : ports) {
            port.close();
        }
        l4.onClose();
        if (ownsCounters) {
            counters.close();
        }
    }

    @Override
    public int agentId() {
        return agentId;
    }

    @Override
    public int portCount() {
        return ports.length;
    }

    @Override
    public InterfaceAddresses interfaceAddresses(final int port) {
        return interfaces[port];
    }

    @Override
    public int mtu(final int port) {
        return ports[port].mtu();
    }

    @Override
    public ArpStage arp() {
        return processor.arp();
    }

    @Override
    public long offload() {
        return processor.ipv4().offload();
    }

    @Override
    public void offload(final long word) {
        processor.ipv4().offload(word);
    }

    @Override
    public void transmitFrom(final MemorySegment frame, final long offset, final int length) {
        processor.transmitFrom(frame, offset, length);
    }

    /** The agent's L4 stage. */
    public L4Stage l4() {
        return l4;
    }

    @Override
    public ForwarderCounters counters() {
        return counters;
    }

    /** The agent's neighbour table (agent thread only, or tests between duty cycles). */
    @Override
    public NeighbourTable neighbours() {
        return neighbours;
    }

    /** The agent's stage chain (agent thread only, or tests between duty cycles). */
    public PacketProcessor processor() {
        return processor;
    }

    /** The ports' poll descriptors, for {@link PollIdleStrategy}. */
    public int[] pollFds() {
        final int[] fds = new int[ports.length];
        for (int i = 0; i < ports.length; i++) {
            fds[i] = ports[i].pollFd();
        }
        return fds;
    }
}
