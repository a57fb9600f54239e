package io.fulcrum.forwarder.l4;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

import io.fulcrum.conntrack.FlowTable;
import io.fulcrum.scheduler.persistence.PersistenceTable;

/**
 * The node-wide side of the L4 path, owned by the conductor: the current {@link L4Snapshot} (published with a
 * volatile write, read by every agent once per duty cycle, so listener and backend changes apply to new flows
 * without stopping traffic), the source-IP persistence table all agents share, the handoff rings between agents,
 * and the per-agent settings (flow-table capacity, local addresses). It creates one {@link L4Forwarder} per agent.
 */
public final class L4Runtime implements AutoCloseable {
    /**
     * One FULLNAT local address and its port range.
     *
     * @param address   the address (int, network order); must be an address of a data-plane interface.
     * @param firstPort first local port, 1–65535.
     * @param lastPort  last local port.
     */
    public record LocalAddress(int address, int firstPort, int lastPort) {
        public LocalAddress {
            if (firstPort < 1 || lastPort > 65535 || firstPort > lastPort) {
                throw new IllegalArgumentException("local port range must be within 1..65535: " + firstPort + "-" + lastPort);
            }
        }
    }

    private final int agents;
    private final int flowTableCapacity;
    private final List<LocalAddress> localAddresses;
    private final PersistenceTable persistence;
    private final HandoffRings handoff;
    private final Path flowTableDirectory;
    private final SplittableRandom seeds = new SplittableRandom();
    private volatile L4Snapshot snapshot = L4Snapshot.empty();
    private FullNatSequence fullNatSequence = FullNatSequence.secure();

    /**
     * @param agents             number of forwarder agents (each one a scheduler lane and a flow-table owner).
     * @param flowTableCapacity  flows per agent, a power of two.
     * @param localAddresses     the FULLNAT local addresses (may be empty if no listener uses FULLNAT).
     * @param persistence        the shared source-IP persistence table, or null if no group uses it.
     * @param flowTableDirectory where each agent maps its flow entries ({@code flows-agent-<id>.bin}) for
     *                           {@code fulcrum conns}, or null for anonymous memory.
     */
    public L4Runtime(final int agents, final int flowTableCapacity, final List<LocalAddress> localAddresses,
                     final PersistenceTable persistence, final Path flowTableDirectory) {
        if (agents < 1) {
            throw new IllegalArgumentException("agents must be >= 1: " + agents);
        }
        if (flowTableCapacity < 1 || Integer.bitCount(flowTableCapacity) != 1 || flowTableCapacity > FlowTable.MAX_CAPACITY) {
            throw new IllegalArgumentException("flow table capacity must be a power of two up to " + FlowTable.MAX_CAPACITY
                + ": " + flowTableCapacity);
        }
        this.agents = agents;
        this.flowTableCapacity = flowTableCapacity;
        this.localAddresses = List.copyOf(Objects.requireNonNull(localAddresses, "localAddresses"));
        this.persistence = persistence;
        this.flowTableDirectory = flowTableDirectory;
        this.handoff = agents > 1 ? new HandoffRings(agents, HandoffRings.DEFAULT_RING_BYTES) : null;
    }

    /** Publishes a new snapshot: agents use it from their next duty cycle; existing flows are kept. */
    public void publish(final L4Snapshot next) {
        snapshot = Objects.requireNonNull(next, "snapshot");
    }

    /** The current snapshot (one volatile read). */
    public L4Snapshot snapshot() {
        return snapshot;
    }

    /** Creates agent {@code agentId}'s L4 stage (allocates its flow table; call on the conductor thread). */
    public L4Forwarder newForwarder(final int agentId, final long nowMs) {
        if (agentId < 0 || agentId >= agents) {
            throw new IllegalArgumentException("agent id " + agentId + " outside 0.." + (agents - 1));
        }
        final Path file = flowTableDirectory == null ? null : flowTableFile(flowTableDirectory, agentId);
        final FlowTable table = new FlowTable(flowTableCapacity, seeds.nextLong(), nowMs, file);
        return new L4Forwarder(this, agentId, table, new LocalPorts(localAddresses, agents, agentId));
    }

    /**
     * Replaces how FULLNAT connections choose the ISN their backend sees (tests: {@link FullNatSequence#CLIENT} for
     * no translation). Set before the agents start.
     */
    public void fullNatSequence(final FullNatSequence sequence) {
        fullNatSequence = Objects.requireNonNull(sequence, "sequence");
    }

    FullNatSequence fullNatSequence() {
        return fullNatSequence;
    }

    /** Where agent {@code agentId} maps its flow entries under {@code directory}. */
    public static Path flowTableFile(final Path directory, final int agentId) {
        return directory.resolve("flows-agent-" + agentId + ".bin");
    }

    public int agents() {
        return agents;
    }

    public int flowTableCapacity() {
        return flowTableCapacity;
    }

    PersistenceTable persistence() {
        return persistence;
    }

    HandoffRings handoff() {
        return handoff;
    }

    @Override
    public void close() {
        if (handoff != null) {
            handoff.close();
        }
    }
}
