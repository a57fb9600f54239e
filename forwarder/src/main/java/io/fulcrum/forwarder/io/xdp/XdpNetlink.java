package io.fulcrum.forwarder.io.xdp;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.fulcrum.forwarder.io.sys.Syscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Attaches and detaches an XDP program through rtnetlink, for kernels without XDP BPF links. The netlink
 * socket is opened once, in the network namespace of the opening thread, and kept for the detach (which
 * may run on another thread or in a shutdown hook, in whatever namespace that thread is in).
 *
 * <pre>
 * RTM_SETLINK request (52 bytes, all native byte order)
 * +0  struct nlmsghdr  { u32 len = 52; u16 type = RTM_SETLINK (19); u16 flags = REQUEST|ACK; u32 seq; u32 pid = 0 }
 * +16 struct ifinfomsg { u8 family = AF_UNSPEC; u8 pad; u16 type; s32 index = ifindex; u32 flags; u32 change }
 * +32 struct nlattr    { u16 len = 20; u16 type = IFLA_XDP (43) | NLA_F_NESTED (0x8000) }
 * +36   struct nlattr  { u16 len = 8; u16 type = IFLA_XDP_FD (1) }     s32 prog fd (-1 detaches)
 * +44   struct nlattr  { u16 len = 8; u16 type = IFLA_XDP_FLAGS (3) }  u32 XDP_FLAGS_*
 *
 * reply: struct nlmsghdr { type = NLMSG_ERROR (2) } followed by s32 error (0 = ack, else -errno)
 * </pre>
 */
final class XdpNetlink implements AutoCloseable {
    static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    static final int XDP_FLAGS_SKB_MODE = 2;
    static final int XDP_FLAGS_DRV_MODE = 4;

    private static final int AF_NETLINK = 16;
    private static final int NETLINK_ROUTE = 0;
    private static final int RTM_SETLINK = 19;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_ACK = 4;
    private static final int NLMSG_ERROR = 2;
    private static final int IFLA_XDP = 43;
    private static final int NLA_F_NESTED = 0x8000;
    private static final int IFLA_XDP_FD = 1;
    private static final int IFLA_XDP_FLAGS = 3;
    private static final int REQUEST_SIZE = 52;
    private static final int REPLY_SIZE = 4096;
    private static final int EPROTO = 71;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState = Syscalls.newCallState(arena);
    private final MemorySegment request = arena.allocate(REQUEST_SIZE, 8);
    private final MemorySegment reply = arena.allocate(REPLY_SIZE, 8);
    private final int fd;
    private int sequence;

    XdpNetlink() {
        fd = Syscalls.socket(callState, AF_NETLINK, Syscalls.SOCK_RAW | Syscalls.SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) {
            final int errno = Syscalls.errno(callState);
            arena.close();
            throw new XdpSetupException("socket(AF_NETLINK, NETLINK_ROUTE) failed: " + Syscalls.describe(errno), errno);
        }
    }

    /** Sets (progFd &gt;= 0) or clears (progFd = -1) the XDP program of {@code ifIndex}; 0 or -errno. */
    synchronized int setXdp(final int ifIndex, final int progFd, final int xdpFlags) {
        request.fill((byte) 0);
        request.set(JAVA_INT, 0, REQUEST_SIZE);
        request.set(JAVA_SHORT, 4, (short) RTM_SETLINK);
        request.set(JAVA_SHORT, 6, (short) (NLM_F_REQUEST | NLM_F_ACK));
        request.set(JAVA_INT, 8, ++sequence);
        request.set(JAVA_BYTE, 16, (byte) 0);
        request.set(JAVA_INT, 20, ifIndex);
        request.set(JAVA_SHORT, 32, (short) 20);
        request.set(JAVA_SHORT, 34, (short) (IFLA_XDP | NLA_F_NESTED));
        request.set(JAVA_SHORT, 36, (short) 8);
        request.set(JAVA_SHORT, 38, (short) IFLA_XDP_FD);
        request.set(JAVA_INT, 40, progFd);
        request.set(JAVA_SHORT, 44, (short) 8);
        request.set(JAVA_SHORT, 46, (short) IFLA_XDP_FLAGS);
        request.set(JAVA_INT, 48, xdpFlags);
        if (Syscalls.sendto(callState, fd, request, REQUEST_SIZE, 0, MemorySegment.NULL, 0) < 0) {
            return -Syscalls.errno(callState);
        }
        // rtnetlink handles the request inside sendto, so the ack is already queued: never block here.
        final long received = Syscalls.recvfrom(callState, fd, reply, REPLY_SIZE, Syscalls.MSG_DONTWAIT, MemorySegment.NULL,
            MemorySegment.NULL);
        if (received < 0) {
            return -Syscalls.errno(callState);
        }
        if (received < 20 || reply.get(JAVA_SHORT, 4) != NLMSG_ERROR) {
            return -EPROTO;
        }
        return reply.get(JAVA_INT, 16);
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            Syscalls.close(callState, fd);
            arena.close();
        }
    }
}
