package io.fulcrum.forwarder.l4;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

import io.fulcrum.conntrack.FlowDescriptor;
import io.fulcrum.conntrack.FlowExpiryHandler;
import io.fulcrum.conntrack.FlowFlyweight;
import io.fulcrum.conntrack.FlowTable;
import io.fulcrum.conntrack.LocalAddressPool;
import io.fulcrum.conntrack.TcpState;
import io.fulcrum.conntrack.TimeoutProfile;
import io.fulcrum.forwarder.io.Offload;
import io.fulcrum.forwarder.neighbour.NeighbourTable;
import io.fulcrum.forwarder.proto.Bytes;
import io.fulcrum.forwarder.proto.Checksums;
import io.fulcrum.forwarder.proto.EthernetFlyweight;
import io.fulcrum.forwarder.proto.Ipv4Flyweight;
import io.fulcrum.forwarder.proto.TcpFlyweight;
import io.fulcrum.forwarder.proto.UdpFlyweight;
import io.fulcrum.forwarder.stage.DropReason;
import io.fulcrum.forwarder.stage.ForwarderCounters;
import io.fulcrum.forwarder.stage.ForwarderEvent;
import io.fulcrum.forwarder.stage.L4Context;
import io.fulcrum.forwarder.stage.L4Stage;
import io.fulcrum.forwarder.stage.Verdict;
import io.fulcrum.forwarder.xmit.NatRewriter;
import io.fulcrum.forwarder.xmit.NextHop;
import io.fulcrum.forwarder.xmit.TcpOptionEditor;
import io.fulcrum.forwarder.xmit.TcpResetWriter;
import io.fulcrum.forwarder.xmit.ToaOption;
import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.FlowHash;
import io.fulcrum.scheduler.GroupSnapshot;
import io.fulcrum.scheduler.Pick;
import io.fulcrum.scheduler.Scheduler;
import io.fulcrum.scheduler.persistence.SourcePersistence;

/**
 * One agent's L4 data path, DPVS-style: flow lookup in both directions ({@link FlowTable}), new-flow creation
 * (listener, ACL, scheduler pick on the agent's lane, source-IP persistence, FULLNAT local port), the LVS TCP
 * state machine and UDP sessions, translation per forwarding mode ({@link NatRewriter}), TCP option edits
 * (MSS clamp, TOA strip and insert: {@link TcpOptionEditor}), ICMP errors about tracked flows, IPv4 fragments,
 * next hop ({@link NextHop}), bounded idle expiry with RST to both sides, draining, and the handoff of frames
 * whose flow another agent owns.
 *
 * <pre>
 *  client ──► VIP:vport ─┬─ FULLNAT: LIP:lport ──► backend:bport   (reply: backend ──► LIP:lport ──► client)
 *                        └─ DNAT:    client    ──► backend:bport   (reply: backend ──► client, routed via us)
 * </pre>
 *
 * <p><b>Ownership with several agents.</b> With {@code owner(port) = (port >>> 1) % agents}
 * ({@link LocalAddressPool#coreOfPort}: the lowest bit is left out, Linux clients connect from even ports first),
 * a packet to a VIP belongs to agent {@code owner(sourcePort)}, any other packet (FULLNAT reply to a local port,
 * DNAT reply to a client port) to {@code owner(destinationPort)}; each agent's local ports satisfy
 * {@code owner(port) == agentId}. So both
 * directions of a flow meet on one agent. Steering in front of the agents (AF_PACKET fanout program) applies the
 * same function; a frame that lands elsewhere anyway goes through the {@link HandoffRings}. The neighbours the
 * agent's ARP stage learns are passed to every other agent through the same rings ({@link #onNeighbourLearned}),
 * since an ARP packet reaches only one agent; a record received that way is stored, never passed on.
 *
 * <p>Allocation-free per packet; agent thread only.
 */
public final class L4Forwarder implements L4Stage, FlowExpiryHandler {
    /** Flow-timer entries examined per duty cycle. */
    static final int EXPIRE_BUDGET = 256;
    /** Next hops probed (ARP) per duty cycle. */
    static final int PROBES_PER_CYCLE = 4;
    /** Every next hop is probed again this often, so entries in use never age out. */
    static final long PROBE_SWEEP_INTERVAL_MS = 10_000;
    /** Handed-over frames run per source agent per duty cycle. */
    static final int HANDOFF_BUDGET = 64;
    private static final long GAUGE_INTERVAL_MS = 100;
    private static final int SCRATCH_BYTES = 16 * 1024;

    private static final int TCP = Ipv4Flyweight.PROTOCOL_TCP;
    private static final int UDP = Ipv4Flyweight.PROTOCOL_UDP;
    private static final int SYN = TcpFlyweight.FLAG_SYN;
    private static final int ACK = TcpFlyweight.FLAG_ACK;
    private static final int RST = TcpFlyweight.FLAG_RST;
    private static final int FIN = TcpFlyweight.FLAG_FIN;
    private static final int ETH = EthernetFlyweight.HEADER_LENGTH;
    /** Quoted TCP bytes needed to reach the end of the checksum field. */
    private static final int TCP_CHECKSUM_END = 18;
    /** How far past a recycled connection's sequence space a new backend-side ISN starts. */
    private static final int ISN_GAP = 1 << 20;

    private final L4Runtime runtime;
    private final int agentId;
    private final int agents;
    private final FlowTable table;
    private final LocalPorts localPorts;
    private final SourcePersistence persistence;
    private final TcpOptionEditor options = new TcpOptionEditor();
    private final FragmentCache fragments = new FragmentCache();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment toaFrame;
    private final MemorySegment resetFrame;
    private final HandoffRings handoff;
    private final MessageHandler handoffHandler = this::onHandedOver;
    private L4Context context;
    private ForwarderCounters counters;
    private NextHop nextHop;
    private L4Snapshot snapshot = L4Snapshot.empty();
    private long seenVersion = -1;
    private int probeCursor;
    private long nextProbeSweepMs;
    private long nextGaugeMs;
    private boolean handingIn;
    private int handoffSource;
    private long handoffNowMs;
    private int createdFlow;
    private int recycledBackendNextSeq;
    private int createVerdict;

    L4Forwarder(final L4Runtime runtime, final int agentId, final FlowTable table, final LocalPorts localPorts) {
        this.runtime = runtime;
        this.agentId = agentId;
        this.agents = runtime.agents();
        this.table = table;
        this.localPorts = localPorts;
        this.persistence = runtime.persistence() == null ? null : new SourcePersistence(runtime.persistence());
        this.handoff = runtime.handoff();
        this.toaFrame = arena.allocate(SCRATCH_BYTES, 64);
        this.resetFrame = arena.allocate(256, 64);
    }

    @Override
    public void attach(final L4Context agentContext) {
        this.context = agentContext;
        this.counters = agentContext.counters();
        this.nextHop = new NextHop(agentContext);
        if (agentContext.agentId() != agentId) {
            throw new IllegalStateException("L4 stage of agent " + agentId + " attached to agent " + agentContext.agentId());
        }
    }

    @Override
    public boolean tracksFlows() {
        return true;
    }

    /** The agent's flow table (agent thread, or tests between duty cycles). */
    public FlowTable flowTable() {
        return table;
    }

    /** Free FULLNAT (local address, port) pairs of this agent. */
    public long localPortsAvailable() {
        return localPorts.available();
    }

    // ------------------------------------------------------------------------------------------------ duty cycle

    @Override
    public int doWork(final long nowMs) {
        final L4Snapshot snap = runtime.snapshot();
        snapshot = snap;
        int work = 0;
        if (snap.version() != seenVersion || nowMs >= nextProbeSweepMs) {
            seenVersion = snap.version();
            probeCursor = 0;
            nextProbeSweepMs = nowMs + PROBE_SWEEP_INTERVAL_MS;
        }
        for (int probes = 0; probes < PROBES_PER_CYCLE && probeCursor < snap.nextHopCount(); probes++) {
            final int hop = snap.nextHop(probeCursor++);
            final int port = nextHop.portFor(hop, snap.routes());
            if (port >= 0 && context.arp().probe(hop, port)) {
                counters.event(ForwarderEvent.NEXT_HOP_PROBED);
                work++;
            }
        }
        work += table.expire(nowMs, EXPIRE_BUDGET, this);
        if (handoff != null) {
            handoffNowMs = nowMs;
            for (int from = 0; from < agents; from++) {
                if (from != agentId) {
                    handoffSource = from;
                    work += handoff.ring(from, agentId).read(handoffHandler, HANDOFF_BUDGET);
                }
            }
        }
        if (nowMs >= nextGaugeMs) {
            nextGaugeMs = nowMs + GAUGE_INTERVAL_MS;
            counters.l4Gauges(table.activeFlows(), localPorts.available());
        }
        return work;
    }

    private void onHandedOver(final int messageType, final MutableDirectBuffer buffer, final int index,
                              final int length) {
        if (messageType == HandoffRings.NEIGHBOUR_MESSAGE) {
            onNeighbourHandedOver(buffer, index);
            return;
        }
        final int port = (messageType - 1) >>> 4;
        final int flags = (messageType - 1) & 0xf;
        counters.event(ForwarderEvent.HANDOFF_IN);
        handingIn = true;
        try {
            context.processHandedOver(port, handoff.memory(handoffSource, agentId), index, length, flags, handoffNowMs);
        } finally {
            handingIn = false;
        }
    }

    /**
     * Stores a neighbour another agent learned from ARP, creating the entry if needed (that agent had a reason to
     * keep it, and this one probes the same next hops). Straight into the table, not through the ARP stage, so it
     * is not passed on again.
     */
    private void onNeighbourHandedOver(final MutableDirectBuffer buffer, final int index) {
        final int address = buffer.getInt(index + HandoffRings.NEIGHBOUR_ADDRESS_OFFSET);
        final int port = buffer.getInt(index + HandoffRings.NEIGHBOUR_PORT_OFFSET);
        final long mac = buffer.getLong(index + HandoffRings.NEIGHBOUR_MAC_OFFSET);
        if (port < 0 || port >= context.portCount()) {
            // The agents share one port list; anything else is a bug on the writing side. Drop the record.
            counters.event(ForwarderEvent.EXCEPTION);
            return;
        }
        if (context.neighbours().learn(address, mac, port, handoffNowMs, true) == NeighbourTable.LEARN_TABLE_FULL) {
            counters.event(ForwarderEvent.NEIGHBOUR_TABLE_FULL);
        } else {
            counters.event(ForwarderEvent.NEIGHBOUR_SHARED_IN);
        }
    }

    /**
     * Passes a neighbour this agent's ARP stage created or refreshed to every other agent: the ARP packet reached
     * only this one. A full ring loses the record (counted); that agent's own resolution retries find it again.
     */
    @Override
    public void onNeighbourLearned(final int address, final long mac, final int port, final long nowMs) {
        if (handoff == null) {
            return;
        }
        for (int to = 0; to < agents; to++) {
            if (to == agentId) {
                continue;
            }
            final OneToOneRingBuffer ring = handoff.ring(agentId, to);
            final int index = ring.tryClaim(HandoffRings.NEIGHBOUR_MESSAGE, HandoffRings.NEIGHBOUR_LENGTH);
            if (index < 0) {
                counters.event(ForwarderEvent.NEIGHBOUR_SHARE_RING_FULL);
                continue;
            }
            final AtomicBuffer buffer = ring.buffer();
            buffer.putInt(index + HandoffRings.NEIGHBOUR_ADDRESS_OFFSET, address);
            buffer.putInt(index + HandoffRings.NEIGHBOUR_PORT_OFFSET, port);
            buffer.putLong(index + HandoffRings.NEIGHBOUR_MAC_OFFSET, mac);
            ring.commit(index);
            counters.event(ForwarderEvent.NEIGHBOUR_SHARED_OUT);
        }
    }

    private int handOff(final int owner, final int port, final MemorySegment segment, final long frameOffset,
                        final int length) {
        final long offload = context.offload();
        if (offload != Offload.NONE) {
            // The handoff message carries the plain frame: a GSO frame does not fit one (and would lose its header),
            // a partial checksum is completed here so the owner sees a complete one.
            if (Offload.isGso(offload)) {
                return Verdict.drop(DropReason.HANDOFF_GSO);
            }
            if (Offload.needsChecksum(offload)) {
                completeHeaderView(segment, frameOffset, length, offload);
            }
            context.offload(Offload.NONE);
        }
        final OneToOneRingBuffer ring = handoff.ring(agentId, owner);
        final int index = ring.tryClaim(1 + (port << 4), length);
        if (index < 0) {
            return Verdict.drop(DropReason.HANDOFF_RING_FULL);
        }
        MemorySegment.copy(segment, frameOffset, handoff.memory(agentId, owner), index, length);
        ring.commit(index);
        counters.event(ForwarderEvent.HANDOFF_OUT);
        return Verdict.CONSUMED;
    }

    /** Completes in software a partial checksum the IPv4 stage put into its header view. */
    private static void completeHeaderView(final MemorySegment segment, final long frameOffset, final int length,
                                           final long offload) {
        final long l4Offset = frameOffset + Offload.csumStart(offload);
        final boolean tcp = Offload.csumOffset(offload) == TcpFlyweight.CHECKSUM_OFFSET;
        final int headerLength = tcp ? (Bytes.u8(segment, l4Offset + 12) >>> 4) << 2 : UdpFlyweight.HEADER_LENGTH;
        final long checksumOffset = l4Offset + Offload.csumOffset(offload);
        Checksums.headerViewToPartial(segment, l4Offset, headerLength, checksumOffset);
        Checksums.completePartial(segment, l4Offset, (int) (frameOffset + length - l4Offset), checksumOffset, !tcp);
    }

    // ------------------------------------------------------------------------------------------------ packets

    @Override
    public int onPacket(final int port, final MemorySegment segment, final long frameOffset, final Ipv4Flyweight ip,
                        final long nowMs) {
        final int protocol = ip.protocol();
        if (protocol != TCP && protocol != UDP) {
            return onIcmpError(port, segment, frameOffset, ip, nowMs);
        }
        final long ipOffset = ip.offset();
        final int totalLength = ip.totalLength();
        final long l4Offset = ipOffset + ip.headerLength();
        final int l4Length = totalLength - ip.headerLength();
        final int source = ip.source();
        final int destination = ip.destination();
        final int sourcePort = Bytes.u16(segment, l4Offset);
        final int destinationPort = Bytes.u16(segment, l4Offset + 2);
        final L4Snapshot snap = snapshot;
        if (agents > 1 && !handingIn) {
            final int owner = LocalAddressPool.coreOfPort(snap.isVip(destination) ? sourcePort : destinationPort, agents);
            if (owner != agentId) {
                return handOff(owner, port, segment, frameOffset, ETH + totalLength);
            }
        }
        int tcpFlags = 0;
        int tcpHeaderLength = 0;
        if (protocol == TCP) {
            tcpHeaderLength = (Bytes.u8(segment, l4Offset + 12) >>> 4) << 2;
            if (tcpHeaderLength < TcpFlyweight.MIN_HEADER_LENGTH || tcpHeaderLength > l4Length) {
                return Verdict.drop(DropReason.TCP_BAD_HEADER);
            }
            tcpFlags = Bytes.u8(segment, l4Offset + 13);
            if ((tcpFlags & SYN) != 0 ? (tcpFlags & (FIN | RST)) != 0 : (tcpFlags & (ACK | RST)) == 0) {
                return Verdict.drop(DropReason.TCP_BAD_FLAGS);
            }
            if (tcpHeaderLength > TcpFlyweight.MIN_HEADER_LENGTH
                && !options.parse(segment, l4Offset, tcpHeaderLength, -1)) {
                return Verdict.drop(DropReason.TCP_BAD_OPTIONS);
            }
        }
        int match = table.lookup(source, destination, sourcePort, destinationPort, protocol);
        if (match != FlowTable.NOT_FOUND && protocol == TCP && (tcpFlags & (SYN | ACK)) == SYN
            && FlowTable.direction(match) == FlowTable.DIRECTION_ORIGINAL && isFinished(match)) {
            // Port reuse (LVS conn_reuse_mode 1): a client SYN on the tuple of a finished connection opens a new
            // connection, so it is scheduled afresh rather than sent to the old backend, which may be down,
            // drained or removed by now.
            final int old = FlowTable.flowIndex(match);
            closeFlow(table.flow(old), snap);
            table.remove(old);
            counters.event(ForwarderEvent.FLOW_REUSED);
            match = FlowTable.NOT_FOUND;
        }
        if (match == FlowTable.NOT_FOUND) {
            final Listener listener = snap.lookup(destination, destinationPort, protocol);
            if (listener == null) {
                if (!isLocal(destination)) {
                    return Verdict.drop(DropReason.IPV4_NOT_LOCAL);
                }
                return Verdict.drop(protocol == TCP && (tcpFlags & (SYN | ACK)) != SYN ? DropReason.TCP_NO_FLOW
                    : DropReason.NO_LISTENER);
            }
            if (protocol == TCP && (tcpFlags & (SYN | ACK)) != SYN) {
                return Verdict.drop(DropReason.TCP_NO_FLOW);
            }
            if (!createFlow(listener, snap, port, segment, frameOffset, l4Offset, protocol, source, destination, sourcePort,
                destinationPort, nowMs)) {
                return createVerdict;
            }
            match = createdFlow << 1;
        }
        return forward(match, snap, segment, frameOffset, ip, l4Offset, l4Length, protocol, tcpFlags, tcpHeaderLength,
            nowMs);
    }

    private boolean createFlow(final Listener listener, final L4Snapshot snap, final int port, final MemorySegment segment,
                               final long frameOffset, final long l4Offset, final int protocol, final int source,
                               final int destination, final int sourcePort, final int destinationPort, final long nowMs) {
        if (listener.acl() != null && !listener.acl().admits(source)) {
            createVerdict = Verdict.drop(DropReason.ACL_DENIED);
            return false;
        }
        final int groupIndex = listener.groupIndex();
        final BackendGroup group = snap.group(groupIndex);
        final GroupSnapshot backends = group.snapshot();
        final Scheduler scheduler = group.scheduler();
        final int hashKind = snap.groupHashKind(groupIndex);
        final long hash = hashKind == L4Snapshot.HASH_SOURCE ? FlowHash.source(source)
            : hashKind == L4Snapshot.HASH_FLOW ? FlowHash.flow(source, destination, sourcePort, destinationPort, protocol) : 0L;
        final int slot = persistence != null && listener.persistenceTimeoutMs() > 0
            ? persistence.pick(backends, scheduler, agentId, groupIndex, 0L, SourcePersistence.ipv4Low(source), hash,
                listener.persistenceTimeoutMs(), nowMs)
            : scheduler.pick(backends, agentId, hash);
        if (slot < 0) {
            createVerdict = slot == Pick.NO_BACKEND_RESET && protocol == TCP
                ? resetInPlace(port, segment, frameOffset, l4Offset, source, destination, sourcePort, destinationPort)
                : Verdict.drop(DropReason.NO_BACKEND);
            return false;
        }
        final int ref = backends.ref(slot);
        final GroupSnapshot.Backend backend = backends.backend(slot);
        final int backendIp = backend.spec().ipv4();
        final int backendPort = backend.spec().port();
        final int natMode = listener.natMode();
        final int replyDestination;
        final int replyDestinationPort;
        if (natMode == FlowDescriptor.NAT_FULLNAT) {
            if (!localPorts.allocate(table, protocol, backendIp, backendPort)) {
                createVerdict = Verdict.drop(DropReason.LOCAL_PORTS_EXHAUSTED);
                return false;
            }
            final int recycled = localPorts.recycledFlow();
            if (recycled >= 0) {
                // The pair's last flow to this backend is finished (TIME_WAIT/CLOSE): the new one takes it over.
                final FlowFlyweight old = table.flow(recycled);
                recycledBackendNextSeq = old.origNextSeq() + old.seqDelta();
                closeFlow(old, snap);
                table.remove(recycled);
                counters.event(ForwarderEvent.LOCAL_PORT_RECYCLED);
            }
            replyDestination = localPorts.ip();
            replyDestinationPort = localPorts.port();
        } else {
            replyDestination = source;
            replyDestinationPort = sourcePort;
        }
        final TimeoutProfile timeouts = listener.timeouts();
        final int flow = table.insert(source, destination, sourcePort, destinationPort, protocol, backendIp, replyDestination,
            backendPort, replyDestinationPort, natMode, nowMs, timeouts.timeoutMs(protocol, TcpState.NONE));
        if (flow < 0) {
            if (natMode == FlowDescriptor.NAT_FULLNAT) {
                localPorts.release(replyDestination, replyDestinationPort);
            }
            createVerdict = Verdict.drop(flow == FlowTable.INSERT_FULL ? DropReason.FLOW_TABLE_FULL : DropReason.FLOW_DUPLICATE);
            return false;
        }
        final FlowFlyweight f = table.flow(flow).listenerId(listener.id()).backendId(ref)
            .resetOnIdle(timeouts.resetOnIdleExpiry());
        if (natMode == FlowDescriptor.NAT_FULLNAT && protocol == TCP) {
            final int clientIsn = Bytes.i32(segment, l4Offset + 4);
            int isn = runtime.fullNatSequence().initialSequence(replyDestination, replyDestinationPort, backendIp, backendPort,
                clientIsn, nowMs);
            if (localPorts.recycledFlow() >= 0 && isn - recycledBackendNextSeq <= 0) {
                // The backend may hold the old connection in TIME_WAIT: only a SYN after its sequence space reopens it.
                isn = recycledBackendNextSeq + ISN_GAP;
            }
            f.seqDelta(isn - clientIsn);
            final int tcpHeaderLength = (Bytes.u8(segment, l4Offset + 12) >>> 4) << 2;
            if (tcpHeaderLength > TcpFlyweight.MIN_HEADER_LENGTH && options.hasTimestamp()) {
                // The backend sees timestamps on the agent's millisecond clock, which only grows, so a SYN on a reused
                // tuple is never older than the connection the backend may still hold in TIME_WAIT (PAWS).
                f.tsDelta((int) nowMs - options.timestampValue(segment, l4Offset));
                counters.event(ForwarderEvent.TCP_TIMESTAMPS_TRANSLATED);
            }
        }
        if (protocol == TCP && listener.toa()) {
            f.toaPending(true).toaAckSeq(Bytes.i32(segment, l4Offset + 4) + 1);
        }
        final L4TrafficCounters traffic = snap.trafficCounters();
        if (traffic != null) {
            final TrafficCounters listenerTraffic = traffic.listener(agentId, listener.id());
            if (listenerTraffic != null) {
                listenerTraffic.flowOpened();
                f.listenerCounted(true);
            }
            final TrafficCounters backendTraffic = traffic.backend(agentId, groupIndex, ref);
            if (backendTraffic != null) {
                backendTraffic.flowOpened();
                f.backendCounted(true);
            }
        }
        scheduler.connectionOpened(agentId, ref);
        counters.event(ForwarderEvent.FLOW_CREATED);
        createdFlow = flow;
        return true;
    }

    private int forward(final int match, final L4Snapshot snap, final MemorySegment segment, final long frameOffset,
                        final Ipv4Flyweight ip, final long l4Offset, final int l4Length, final int protocol,
                        final int tcpFlags, final int tcpHeaderLength, final long nowMs) {
        final int flow = FlowTable.flowIndex(match);
        final int direction = FlowTable.direction(match);
        final FlowFlyweight f = table.flow(flow);
        final Listener listener = snap.listener(f.listenerId());
        final TimeoutProfile timeouts = listener != null ? listener.timeouts() : TimeoutProfile.DEFAULT;
        if (listener != null && nowMs >= listener.closeDeadlineMs()) {
            if (f.proto() == TCP) {
                resetBothSides(f, snap, nowMs);
            }
            closeFlow(f, snap);
            table.remove(flow);
            return Verdict.drop(DropReason.LISTENER_REMOVED);
        }
        if (listener != null && !snap.group(listener.groupIndex()).snapshot().admitsExisting(f.backendId())) {
            if (f.proto() == TCP) {
                resetBothSides(f, snap, nowMs);
            }
            closeFlow(f, snap);
            table.remove(flow);
            return Verdict.drop(DropReason.BACKEND_DRAINED);
        }
        final long ipOffset = ip.offset();
        final int totalLength = ip.totalLength();
        final int frameLength = ETH + totalLength;
        final boolean toa = listener != null && listener.toa();
        final boolean fragment = ip.isFragment();
        final L4TrafficCounters traffic = snap.trafficCounters();
        TrafficCounters listenerTraffic = null;
        TrafficCounters backendTraffic = null;
        if (traffic != null && listener != null) {
            listenerTraffic = traffic.listener(agentId, listener.id());
            backendTraffic = traffic.backend(agentId, listener.groupIndex(), f.backendId());
        }
        if (protocol == TCP) {
            final int oldState = f.tcpState();
            final int newState = table.onTcpPacket(flow, direction, tcpFlags, frameLength, nowMs, timeouts);
            if (newState != oldState) {
                if (listenerTraffic != null && f.listenerCounted()) {
                    listenerTraffic.tcpState(oldState, newState);
                }
                if (backendTraffic != null && f.backendCounted()) {
                    backendTraffic.tcpState(oldState, newState);
                }
            }
            if ((tcpFlags & RST) == 0) {
                final int next = Bytes.i32(segment, l4Offset + 4) + l4Length - tcpHeaderLength
                    + ((tcpFlags & SYN) != 0 ? 1 : 0) + ((tcpFlags & FIN) != 0 ? 1 : 0);
                if (direction == FlowTable.DIRECTION_ORIGINAL) {
                    f.origNextSeq(next);
                } else {
                    f.replyNextSeq(next);
                }
            }
        } else {
            table.onPacket(flow, direction, frameLength, nowMs, timeouts.timeoutMs(protocol, TcpState.NONE));
        }
        final int newSource;
        final int newSourcePort;
        final int newDestination;
        final int newDestinationPort;
        if (direction == FlowTable.DIRECTION_ORIGINAL) {
            final boolean fullNat = f.natMode() == FlowDescriptor.NAT_FULLNAT;
            newSource = fullNat ? f.replyDstIp() : f.clientIp();
            newSourcePort = fullNat ? f.replyDstPort() : f.clientPort();
            newDestination = f.backendIp();
            newDestinationPort = f.backendPort();
            if (fullNat && protocol == TCP) {
                final int delta = f.seqDelta();
                if (delta != 0) {
                    TcpOptionEditor.shiftSequence(segment, l4Offset, delta);
                }
                if (tcpHeaderLength > TcpFlyweight.MIN_HEADER_LENGTH) {
                    // The options were parsed on entry; TSval moves into the backend's clock.
                    options.shiftTimestamps(segment, l4Offset, f.tsDelta(), 0);
                }
            }
            if (toa && tcpHeaderLength > TcpFlyweight.MIN_HEADER_LENGTH) {
                final int stripped = options.strip(segment, l4Offset, tcpHeaderLength, listener.toaKind());
                if (stripped > 0) {
                    counters.event(ForwarderEvent.TOA_STRIPPED, stripped);
                }
                if ((tcpFlags & SYN) != 0 && options.clampMss(segment, l4Offset, ToaOption.LENGTH_IPV4)) {
                    counters.event(ForwarderEvent.MSS_CLAMPED);
                }
            }
        } else {
            newSource = f.vip();
            newSourcePort = f.vport();
            newDestination = f.clientIp();
            newDestinationPort = f.clientPort();
            if (protocol == TCP) {
                final int delta = f.seqDelta();
                if (delta != 0) {
                    if ((tcpFlags & ACK) != 0) {
                        TcpOptionEditor.shiftAcknowledgment(segment, l4Offset, -delta);
                    }
                    if (tcpHeaderLength > TcpFlyweight.MIN_HEADER_LENGTH) {
                        TcpOptionEditor.shiftSackBlocks(segment, l4Offset, tcpHeaderLength, -delta);
                    }
                }
                if (tcpHeaderLength > TcpFlyweight.MIN_HEADER_LENGTH && f.tsDelta() != 0) {
                    options.shiftTimestamps(segment, l4Offset, 0, -f.tsDelta());
                }
                if (toa && (tcpFlags & SYN) != 0 && tcpHeaderLength > TcpFlyweight.MIN_HEADER_LENGTH
                    && options.clampMss(segment, l4Offset, ToaOption.LENGTH_IPV4)) {
                    counters.event(ForwarderEvent.MSS_CLAMPED);
                }
                // The backend acknowledged client data: its socket exists and has read the TOA.
                if ((tcpFlags & ACK) != 0 && f.toaPending() && Bytes.i32(segment, l4Offset + 8) != f.toaAckSeq()) {
                    f.toaPending(false);
                }
            }
        }
        if (!NatRewriter.decrementTtl(segment, ipOffset)) {
            return Verdict.drop(DropReason.TTL_EXCEEDED);
        }
        NatRewriter.translate(segment, ipOffset, l4Offset, protocol, newSource, newSourcePort, newDestination,
            newDestinationPort);
        final int verdict = nextHop.route(segment, frameOffset, newDestination, snap.routes(), nowMs);
        if (verdict < 0) {
            return verdict;
        }
        if (direction == FlowTable.DIRECTION_ORIGINAL) {
            if (listenerTraffic != null) {
                listenerTraffic.in(totalLength);
            }
            if (backendTraffic != null) {
                backendTraffic.in(totalLength);
            }
        } else {
            if (listenerTraffic != null) {
                listenerTraffic.out(totalLength);
            }
            if (backendTraffic != null) {
                backendTraffic.out(totalLength);
            }
        }
        if (fragment) {
            fragments.put(sourceBefore(f, direction),
                destinationBefore(f, direction), ip.identification(), protocol, newSource, newDestination, nowMs);
            counters.event(ForwarderEvent.FRAGMENT_FIRST_FORWARDED);
        } else if (direction == FlowTable.DIRECTION_ORIGINAL && protocol == TCP && toa && f.toaPending()
            && (tcpFlags & (SYN | RST)) == 0) {
            if (Offload.isGso(context.offload())) {
                // The kernel would copy the option into every segment of the super-frame: not ours to decide.
                counters.event(ForwarderEvent.TOA_GSO_SKIPPED);
            } else if (tcpHeaderLength + ToaOption.LENGTH_IPV4 <= TcpOptionEditor.MAX_HEADER_LENGTH
                && totalLength + ToaOption.LENGTH_IPV4 <= context.mtu(verdict)) {
                final int length = TcpOptionEditor.insertToa(segment, frameOffset, ipOffset, l4Offset, ipOffset + totalLength,
                    toaFrame, listener.toaKind(), f.clientIp(), f.clientPort());
                context.transmitFrom(toaFrame, 0, length);
                counters.event(ForwarderEvent.TOA_ADDED);
            } else {
                counters.event(ForwarderEvent.TOA_NO_ROOM);
            }
        }
        return verdict;
    }

    /** The source address a packet of {@code direction} had on arrival (the fragment cache key). */
    private static int sourceBefore(final FlowFlyweight f, final int direction) {
        return direction == FlowTable.DIRECTION_ORIGINAL ? f.clientIp() : f.backendIp();
    }

    private static int destinationBefore(final FlowFlyweight f, final int direction) {
        return direction == FlowTable.DIRECTION_ORIGINAL ? f.vip() : f.replyDstIp();
    }

    @Override
    public int onFragment(final int port, final MemorySegment segment, final long frameOffset, final Ipv4Flyweight ip,
                          final long nowMs) {
        final long ipOffset = ip.offset();
        if (!fragments.find(ip.source(), ip.destination(), ip.identification(), ip.protocol(), nowMs)) {
            return Verdict.drop(DropReason.FRAGMENT_UNTRACKED);
        }
        final int newSource = fragments.newSource();
        final int newDestination = fragments.newDestination();
        if (!NatRewriter.decrementTtl(segment, ipOffset)) {
            return Verdict.drop(DropReason.TTL_EXCEEDED);
        }
        NatRewriter.translateAddresses(segment, ipOffset, newSource, newDestination);
        final int verdict = nextHop.route(segment, frameOffset, newDestination, snapshot.routes(), nowMs);
        if (verdict >= 0) {
            counters.event(ForwarderEvent.FRAGMENT_LATER_FORWARDED);
        }
        return verdict;
    }

    // ------------------------------------------------------------------------------------------------ ICMP errors

    private int onIcmpError(final int port, final MemorySegment segment, final long frameOffset, final Ipv4Flyweight ip,
                            final long nowMs) {
        final long ipOffset = ip.offset();
        final long icmpOffset = ipOffset + ip.headerLength();
        final int icmpLength = ip.totalLength() - ip.headerLength();
        if (ip.isFragment() || icmpLength < 8 + Ipv4Flyweight.MIN_HEADER_LENGTH + 8) {
            return Verdict.drop(DropReason.ICMP_NO_FLOW);
        }
        if (Checksums.fold(Checksums.sum(segment, icmpOffset, icmpLength, 0L)) != 0xffff) {
            return Verdict.drop(DropReason.ICMP_BAD_CHECKSUM);
        }
        final long inner = icmpOffset + 8;
        final int versionIhl = Bytes.u8(segment, inner);
        final int innerHeaderLength = (versionIhl & 0xf) << 2;
        if ((versionIhl >>> 4) != 4 || innerHeaderLength < Ipv4Flyweight.MIN_HEADER_LENGTH
            || 8 + innerHeaderLength + 8 > icmpLength) {
            return Verdict.drop(DropReason.ICMP_NO_FLOW);
        }
        final int innerProtocol = Bytes.u8(segment, inner + 9);
        if (innerProtocol != TCP && innerProtocol != UDP) {
            return Verdict.drop(DropReason.ICMP_NO_FLOW);
        }
        final int innerSource = Bytes.i32(segment, inner + Ipv4Flyweight.SOURCE_OFFSET);
        final int innerDestination = Bytes.i32(segment, inner + Ipv4Flyweight.DESTINATION_OFFSET);
        final long innerL4 = inner + innerHeaderLength;
        final int innerSourcePort = Bytes.u16(segment, innerL4);
        final int innerDestinationPort = Bytes.u16(segment, innerL4 + 2);
        final L4Snapshot snap = snapshot;
        if (agents > 1 && !handingIn) {
            final int owner = LocalAddressPool.coreOfPort(snap.isVip(innerSource) ? innerDestinationPort : innerSourcePort,
                agents);
            if (owner != agentId) {
                return handOff(owner, port, segment, frameOffset, ETH + ip.totalLength());
            }
        }
        // The quoted packet is one we sent; its reverse is what we receive from that peer.
        final int match = table.lookup(innerDestination, innerSource, innerDestinationPort, innerSourcePort, innerProtocol);
        if (match == FlowTable.NOT_FOUND) {
            return Verdict.drop(isLocal(ip.destination()) ? DropReason.ICMP_NO_FLOW : DropReason.IPV4_NOT_LOCAL);
        }
        final FlowFlyweight f = table.flow(FlowTable.flowIndex(match));
        final boolean fullNat = f.natMode() == FlowDescriptor.NAT_FULLNAT;
        final int outerSource = ip.source();
        final int quotedSource;
        final int quotedSourcePort;
        final int quotedDestination;
        final int quotedDestinationPort;
        final int newOuterSource;
        final int newOuterDestination;
        if (FlowTable.direction(match) == FlowTable.DIRECTION_REPLY) {
            // About a packet we sent to the backend: the error goes to the client, about client -> VIP.
            quotedSource = f.clientIp();
            quotedSourcePort = f.clientPort();
            quotedDestination = f.vip();
            quotedDestinationPort = f.vport();
            newOuterDestination = f.clientIp();
            newOuterSource = fullNat || outerSource == f.backendIp() ? f.vip() : outerSource;
            final int delta = f.seqDelta();
            if (innerProtocol == TCP && delta != 0) {
                // The quoted sequence number is in the backend's space; the client checks it against its own.
                if (icmpLength - 8 - innerHeaderLength >= TCP_CHECKSUM_END) {
                    TcpOptionEditor.shiftSequence(segment, innerL4, -delta);
                } else {
                    Bytes.i32(segment, innerL4 + 4, Bytes.i32(segment, innerL4 + 4) - delta);
                }
            }
        } else {
            // About a packet we sent to the client: the error goes to the backend, about its own packet.
            quotedSource = f.backendIp();
            quotedSourcePort = f.backendPort();
            quotedDestination = f.replyDstIp();
            quotedDestinationPort = f.replyDstPort();
            newOuterDestination = f.backendIp();
            newOuterSource = fullNat ? f.replyDstIp() : outerSource;
        }
        if (!NatRewriter.decrementTtl(segment, ipOffset)) {
            return Verdict.drop(DropReason.TTL_EXCEEDED);
        }
        NatRewriter.translateQuoted(segment, inner, innerL4, innerProtocol, icmpLength - 8 - innerHeaderLength, quotedSource,
            quotedSourcePort, quotedDestination, quotedDestinationPort);
        Bytes.u16(segment, icmpOffset + 2, 0);
        Bytes.u16(segment, icmpOffset + 2, Checksums.complement(Checksums.sum(segment, icmpOffset, icmpLength, 0L)));
        NatRewriter.translateAddresses(segment, ipOffset, newOuterSource, newOuterDestination);
        final int verdict = nextHop.route(segment, frameOffset, newOuterDestination, snap.routes(), nowMs);
        if (verdict >= 0) {
            counters.event(ForwarderEvent.ICMP_ERROR_TRANSLATED);
        }
        return verdict;
    }

    // ------------------------------------------------------------------------------------------------ resets, expiry

    /** Rewrites a SYN that found no backend into RST|ACK back to its sender, in place. */
    private int resetInPlace(final int port, final MemorySegment segment, final long frameOffset, final long l4Offset,
                             final int source, final int destination, final int sourcePort, final int destinationPort) {
        final long senderMac = Bytes.mac(segment, frameOffset + 6);
        final int acknowledgment = Bytes.i32(segment, l4Offset + 4) + 1;
        final int length = TcpResetWriter.write(segment, frameOffset, destination, destinationPort, source, sourcePort, 0,
            acknowledgment);
        Bytes.mac(segment, frameOffset, senderMac);
        Bytes.mac(segment, frameOffset + 6, context.interfaceAddresses(port).mac());
        context.transmitFrom(segment, frameOffset, length);
        // A new frame with a complete checksum: nothing of the received frame's offload applies to it.
        context.offload(Offload.NONE);
        counters.event(ForwarderEvent.RST_SENT);
        return port;
    }

    @Override
    public void onFlowExpired(final FlowFlyweight flow, final boolean resetBothSides, final long nowMs) {
        final L4Snapshot snap = snapshot;
        if (resetBothSides) {
            resetBothSides(flow, snap, nowMs);
        }
        closeFlow(flow, snap);
        counters.event(ForwarderEvent.FLOW_EXPIRED);
    }

    /**
     * Releases what a flow holds: its local port, its count on the backend and in the traffic gauges. The caller
     * removes it from the table.
     */
    private void closeFlow(final FlowFlyweight f, final L4Snapshot snap) {
        if (f.natMode() == FlowDescriptor.NAT_FULLNAT) {
            localPorts.release(f.replyDstIp(), f.replyDstPort());
        }
        final Listener listener = snap.listener(f.listenerId());
        if (listener != null) {
            snap.group(listener.groupIndex()).scheduler().connectionClosed(agentId, f.backendId());
            final L4TrafficCounters traffic = snap.trafficCounters();
            if (traffic != null) {
                final boolean active = f.proto() == TCP && f.tcpState() == TcpState.ESTABLISHED;
                final TrafficCounters listenerTraffic = f.listenerCounted() ? traffic.listener(agentId, listener.id()) : null;
                if (listenerTraffic != null) {
                    listenerTraffic.flowClosed(active);
                }
                final TrafficCounters backendTraffic = f.backendCounted()
                    ? traffic.backend(agentId, listener.groupIndex(), f.backendId()) : null;
                if (backendTraffic != null) {
                    backendTraffic.flowClosed(active);
                }
            }
        }
    }

    /** RST|ACK to the client (from VIP:vport) and to the backend (from the local address or the client). */
    private void resetBothSides(final FlowFlyweight f, final L4Snapshot snap, final long nowMs) {
        final boolean fullNat = f.natMode() == FlowDescriptor.NAT_FULLNAT;
        sendReset(f.vip(), f.vport(), f.clientIp(), f.clientPort(), f.replyNextSeq(), f.origNextSeq(), snap, nowMs);
        sendReset(fullNat ? f.replyDstIp() : f.clientIp(), fullNat ? f.replyDstPort() : f.clientPort(), f.backendIp(),
            f.backendPort(), f.origNextSeq() + f.seqDelta(), f.replyNextSeq(), snap, nowMs);
    }

    private void sendReset(final int source, final int sourcePort, final int destination, final int destinationPort,
                           final int sequence, final int acknowledgment, final L4Snapshot snap, final long nowMs) {
        final MemorySegment frame = resetFrame;
        final int length = TcpResetWriter.write(frame, 0, source, sourcePort, destination, destinationPort, sequence,
            acknowledgment);
        final int port = nextHop.route(frame, 0, destination, snap.routes(), nowMs);
        if (port >= 0 && context.send(port, frame, 0, length)) {
            counters.event(ForwarderEvent.RST_SENT);
        } else {
            counters.event(ForwarderEvent.RST_NOT_SENT);
        }
    }

    /** Whether the matched TCP flow's connection is over (TIME_WAIT or CLOSE), as LVS decides for port reuse. */
    private boolean isFinished(final int match) {
        final int state = table.flow(FlowTable.flowIndex(match)).tcpState();
        return state == TcpState.TIME_WAIT || state == TcpState.CLOSE;
    }

    private boolean isLocal(final int address) {
        final L4Context context = this.context;
        for (int i = 0, n = context.portCount(); i < n; i++) {
            if (context.interfaceAddresses(i).owns(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void onClose() {
        table.close();
        arena.close();
    }
}
