package io.fulcrum.forwarder.l4;

import java.util.Objects;

import io.fulcrum.conntrack.FlowDescriptor;
import io.fulcrum.conntrack.TimeoutProfile;

/**
 * One L4 listener as the data path sees it: protocol on VIP:port, forwarding mode, the backend group it sends
 * new flows to, ACL, TOA and timeouts. Immutable; part of an {@link L4Snapshot}.
 *
 * @param id                   stable id (index in the snapshot's listener array; stored in each flow).
 * @param name                 the configured name.
 * @param protocol             6 (TCP) or 17 (UDP).
 * @param vip                  the virtual address (int, network order).
 * @param port                 the virtual port.
 * @param natMode              {@link FlowDescriptor#NAT_FULLNAT} or {@link FlowDescriptor#NAT_DNAT}.
 * @param groupIndex           index of the backend group in the snapshot.
 * @param acl                  the ACL, or null when off.
 * @param toaKind              TCP option kind for TOA (FULLNAT TCP), or -1 when off.
 * @param timeouts             idle timeouts and RST-on-expiry.
 * @param persistenceTimeoutMs source-IP persistence timeout, or 0 when off.
 * @param closeDeadlineMs      {@link #OPEN} for a listener that takes new flows; for one the operator removed (or
 *                             replaced), the time after which its remaining flows are reset on their next packet.
 *                             A closed listener is out of the snapshot's VIP:port index (no new flows) but stays
 *                             reachable by id, so its flows keep their timeouts, counters and backend counts.
 */
public record Listener(int id, String name, int protocol, int vip, int port, int natMode, int groupIndex, AclTable acl,
                       int toaKind, TimeoutProfile timeouts, long persistenceTimeoutMs, long closeDeadlineMs) {
    /** {@link #closeDeadlineMs} of a listener that takes new flows. */
    public static final long OPEN = Long.MAX_VALUE;

    /** TCP. */
    public static final int TCP = 6;
    /** UDP. */
    public static final int UDP = 17;

    public Listener {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(timeouts, "timeouts");
        if (protocol != TCP && protocol != UDP) {
            throw new IllegalArgumentException("listener " + name + ": protocol must be 6 (tcp) or 17 (udp): " + protocol);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("listener " + name + ": port must be 1..65535: " + port);
        }
        if (natMode != FlowDescriptor.NAT_FULLNAT && natMode != FlowDescriptor.NAT_DNAT) {
            throw new IllegalArgumentException("listener " + name + ": unknown NAT mode " + natMode);
        }
        if (toaKind > 255 || toaKind < -1 || (toaKind >= 0 && (protocol != TCP || natMode != FlowDescriptor.NAT_FULLNAT))) {
            throw new IllegalArgumentException("listener " + name + ": TOA needs a tcp fullnat listener and a kind 0..255");
        }
        if (id < 0 || groupIndex < 0 || persistenceTimeoutMs < 0) {
            throw new IllegalArgumentException("listener " + name + ": id, group index and persistence timeout must be >= 0");
        }
    }

    /** An open listener. */
    public Listener(final int id, final String name, final int protocol, final int vip, final int port, final int natMode,
                    final int groupIndex, final AclTable acl, final int toaKind, final TimeoutProfile timeouts,
                    final long persistenceTimeoutMs) {
        this(id, name, protocol, vip, port, natMode, groupIndex, acl, toaKind, timeouts, persistenceTimeoutMs, OPEN);
    }

    /** This listener closed to new flows; its flows are reset from {@code deadlineMs} on. */
    public Listener closed(final long deadlineMs) {
        return new Listener(id, name, protocol, vip, port, natMode, groupIndex, acl, toaKind, timeouts, persistenceTimeoutMs,
            Math.min(deadlineMs, closeDeadlineMs));
    }

    /** True if this listener takes new flows. */
    public boolean open() {
        return closeDeadlineMs == OPEN;
    }

    /** True if TOA is inserted for this listener's flows. */
    public boolean toa() {
        return toaKind >= 0;
    }
}
