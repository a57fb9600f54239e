package io.fulcrum.forwarder.io.xdp;

import io.fulcrum.forwarder.io.sys.Syscalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The XDP program, its two maps and its attachment on one interface, shared by every {@link XdpPacketIo}
 * on that interface (one per queue) and released when the last of them closes.
 *
 * <p>Maps: {@code xsks} ({@code BPF_MAP_TYPE_XSKMAP}, queue id &rarr; AF_XDP socket) and {@code owned}
 * ({@code BPF_MAP_TYPE_HASH}, IPv4 address &rarr; u8). Attachment: a BPF link when the kernel has them
 * (Linux 5.9+), so the kernel detaches the program when the link fd closes, including when the process
 * dies; otherwise netlink, detached on close and by a shutdown hook.
 *
 * <p>Setup path only: methods synchronize and allocate.
 */
public final class XdpProgramHandle {
    /** Capacity of the owned-address map. */
    public static final int OWNED_CAPACITY = 16384;
    /** Capacity of the queue-to-socket map (queue ids 0..XSKMAP_CAPACITY-1). */
    public static final int XSKMAP_CAPACITY = 256;

    private static final System.Logger LOG = System.getLogger(XdpProgramHandle.class.getName());
    private static final int EBUSY = 16;
    private static final int EEXIST = 17;
    private static final int EINVAL = 22;
    private static final Map<String, XdpProgramHandle> REGISTRY = new HashMap<>();

    private final String key;
    private final String interfaceName;
    private final int ifIndex;
    private final int progFd;
    private final int ownedMapFd;
    private final int xskMapFd;
    private final Set<Integer> owned = new TreeSet<>();
    private XdpConfiguration.Mode attachedMode;
    private int linkFd = -1;
    private XdpNetlink netlink;
    private int netlinkFlags;
    private Thread shutdownHook;
    private String description;
    private int references;
    private boolean closed;

    private XdpProgramHandle(final String key, final String interfaceName, final int ifIndex) {
        this.key = key;
        this.interfaceName = interfaceName;
        this.ifIndex = ifIndex;
        final int ownedFd = Bpf.mapCreate(BpfAttrDescriptor.MAP_TYPE_HASH, 4, 1, OWNED_CAPACITY, "fulcrum_owned");
        int xsksFd = -1;
        try {
            xsksFd = Bpf.mapCreate(BpfAttrDescriptor.MAP_TYPE_XSKMAP, 4, 4, XSKMAP_CAPACITY, "fulcrum_xsks");
            this.progFd = Bpf.progLoad(BpfAttrDescriptor.PROG_TYPE_XDP, BpfAttrDescriptor.ATTACH_TYPE_XDP,
                XdpRedirectProgram.build(ownedFd, xsksFd), "fulcrum_xdp");
        } catch (final RuntimeException e) {
            closeFd(ownedFd);
            closeFd(xsksFd);
            throw e;
        }
        this.ownedMapFd = ownedFd;
        this.xskMapFd = xsksFd;
    }

    /**
     * The handle for the configured interface in the calling thread's network namespace: the existing one
     * (reference added) or a new one with the program loaded and attached.
     */
    static XdpProgramHandle acquire(final XdpConfiguration configuration, final int ifIndex) {
        final String key = networkNamespaceId() + "/" + ifIndex;
        synchronized (REGISTRY) {
            XdpProgramHandle handle = REGISTRY.get(key);
            if (handle == null) {
                handle = new XdpProgramHandle(key, configuration.interfaceName(), ifIndex);
                try {
                    handle.attach(configuration.mode(), configuration.attach());
                } catch (final RuntimeException e) {
                    handle.releaseResources();
                    throw e;
                }
                REGISTRY.put(key, handle);
            } else if (configuration.mode() != XdpConfiguration.Mode.AUTO && configuration.mode() != handle.attachedMode) {
                throw new XdpSetupException("interface " + configuration.interfaceName()
                    + " already has Fulcrum's XDP program in " + handle.attachedMode + " mode; queue "
                    + configuration.queueId() + " asks for " + configuration.mode(), 0);
            }
            handle.references++;
            try {
                handle.addOwned(configuration.ownedAddresses());
            } catch (final RuntimeException e) {
                handle.release();
                throw e;
            }
            return handle;
        }
    }

    /** Drops one reference; the last one detaches the program and closes every fd. */
    void release() {
        synchronized (REGISTRY) {
            if (closed) {
                return;
            }
            if (--references > 0) {
                return;
            }
            REGISTRY.remove(key);
            releaseResources();
        }
    }

    private void attach(final XdpConfiguration.Mode mode, final XdpConfiguration.Attach method) {
        final XdpConfiguration.Mode[] modes = mode == XdpConfiguration.Mode.AUTO
            ? new XdpConfiguration.Mode[] {XdpConfiguration.Mode.NATIVE, XdpConfiguration.Mode.GENERIC}
            : new XdpConfiguration.Mode[] {mode};
        final StringBuilder refusals = new StringBuilder();
        for (final XdpConfiguration.Mode candidate : modes) {
            final int flags = candidate == XdpConfiguration.Mode.NATIVE
                ? XdpNetlink.XDP_FLAGS_DRV_MODE : XdpNetlink.XDP_FLAGS_SKB_MODE;
            String via = null;
            int errno = 0;
            if (method != XdpConfiguration.Attach.NETLINK) {
                final int result = Bpf.linkCreateXdp(progFd, ifIndex, flags);
                if (result >= 0) {
                    linkFd = result;
                    via = "bpf_link";
                } else {
                    errno = -result;
                    failOnLeftover(candidate, errno, "BPF_LINK_CREATE");
                    appendRefusal(refusals, candidate, "bpf_link", errno);
                }
            }
            if (via == null && (method == XdpConfiguration.Attach.NETLINK
                || method == XdpConfiguration.Attach.AUTO && errno == EINVAL)) {
                // EINVAL from BPF_LINK_CREATE: a kernel without XDP links (before 5.9); netlink still attaches.
                if (netlink == null) {
                    netlink = new XdpNetlink();
                }
                final int result = netlink.setXdp(ifIndex, progFd, flags | XdpNetlink.XDP_FLAGS_UPDATE_IF_NOEXIST);
                if (result == 0) {
                    netlinkFlags = flags;
                    via = "netlink";
                    shutdownHook = new Thread(this::detachNetlink, "fulcrum-xdp-detach-" + interfaceName);
                    Runtime.getRuntime().addShutdownHook(shutdownHook);
                } else {
                    failOnLeftover(candidate, -result, "netlink RTM_SETLINK IFLA_XDP");
                    appendRefusal(refusals, candidate, "netlink", -result);
                }
            }
            if (via != null) {
                attachedMode = candidate;
                description = (candidate == XdpConfiguration.Mode.NATIVE ? "native (drv)" : "generic (skb)") + " via " + via
                    + (refusals.isEmpty() ? "" : "; refused before: " + refusals);
                LOG.log(System.Logger.Level.INFO, "XDP program attached to " + interfaceName + ": " + description);
                return;
            }
        }
        throw new XdpSetupException("cannot attach the XDP program to " + interfaceName + " (mode " + mode + ", attach "
            + method + "): " + refusals, 0);
    }

    private void failOnLeftover(final XdpConfiguration.Mode candidate, final int errno, final String step) {
        if (errno == EBUSY || errno == EEXIST) {
            throw new XdpSetupException(step + " on " + interfaceName + " (" + candidate + " mode) failed: "
                + Syscalls.describe(errno) + ". Another XDP program is attached to " + interfaceName
                + (errno == EEXIST ? " in the other mode (native and generic cannot coexist)" : "")
                + ": another Fulcrum instance or a leftover. See it with `ip -d link show dev " + interfaceName
                + "` or `bpftool net`; if it is a leftover, remove it with `ip link set dev " + interfaceName
                + " xdp off` (native) or `ip link set dev " + interfaceName + " xdpgeneric off` (generic)."
                + " A program held by a live process's BPF link goes away only when that process exits.", errno);
        }
    }

    private static void appendRefusal(final StringBuilder refusals, final XdpConfiguration.Mode mode, final String via,
                                      final int errno) {
        if (!refusals.isEmpty()) {
            refusals.append("; ");
        }
        refusals.append(mode).append(" via ").append(via).append(": ").append(Syscalls.describe(errno));
    }

    /** Registers the socket for {@code queueId} in the XSKMAP. */
    void registerSocket(final int queueId, final int xskFd) {
        if (queueId >= XSKMAP_CAPACITY) {
            throw new XdpSetupException("queue id " + queueId + " >= XSKMAP capacity " + XSKMAP_CAPACITY, 0);
        }
        final int result = Bpf.mapUpdate(xskMapFd, queueId, xskFd & 0xffffffffL, 4);
        if (result != 0) {
            throw new XdpSetupException("adding the AF_XDP socket of " + interfaceName + " queue " + queueId
                + " to the XSKMAP failed: " + Syscalls.describe(-result), -result);
        }
    }

    /** Removes the socket of {@code queueId} from the XSKMAP (the kernel also does it when the socket closes). */
    void unregisterSocket(final int queueId) {
        Bpf.mapDelete(xskMapFd, queueId);
    }

    /** Adds addresses to the owned set. */
    void addOwned(final Iterable<Integer> addresses) {
        synchronized (REGISTRY) {
            for (final int address : addresses) {
                if (!owned.contains(address)) {
                    putOwned(address);
                }
            }
        }
    }

    /**
     * Makes {@code ipv4} (big-endian ints) the owned set of this interface: adds the missing keys, deletes
     * the others. Frames for an address being added may reach the kernel until its key is in the map.
     */
    public void updateOwnedAddresses(final int[] ipv4) {
        synchronized (REGISTRY) {
            if (closed) {
                throw new IllegalStateException("XDP program of " + interfaceName + " is closed");
            }
            final Set<Integer> wanted = new TreeSet<>();
            for (final int address : ipv4) {
                wanted.add(address);
            }
            if (wanted.size() > OWNED_CAPACITY) {
                throw new IllegalArgumentException(wanted.size() + " owned addresses exceed the map capacity " + OWNED_CAPACITY);
            }
            for (final int address : wanted) {
                if (!owned.contains(address)) {
                    putOwned(address);
                }
            }
            for (final Integer address : Set.copyOf(owned)) {
                if (!wanted.contains(address)) {
                    final int result = Bpf.mapDelete(ownedMapFd, XdpRedirectProgram.ownedKey(address));
                    if (result != 0 && result != -2) {
                        throw new XdpSetupException("removing owned address " + ipv4Text(address) + " on " + interfaceName
                            + " failed: " + Syscalls.describe(-result), -result);
                    }
                    owned.remove(address);
                }
            }
        }
    }

    private void putOwned(final int address) {
        final int result = Bpf.mapUpdate(ownedMapFd, XdpRedirectProgram.ownedKey(address), 1, 1);
        if (result != 0) {
            throw new XdpSetupException("adding owned address " + ipv4Text(address) + " on " + interfaceName + " failed: "
                + Syscalls.describe(-result), -result);
        }
        owned.add(address);
    }

    /** The owned IPv4 addresses (big-endian ints), ascending. */
    public int[] ownedAddresses() {
        synchronized (REGISTRY) {
            return owned.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** The mode the program was attached in: {@code NATIVE} or {@code GENERIC}. */
    public XdpConfiguration.Mode attachedMode() {
        return attachedMode;
    }

    /** How and in which mode the program was attached, and what was refused before, e.g. for logs. */
    public String description() {
        return description;
    }

    public String interfaceName() {
        return interfaceName;
    }

    public int ifIndex() {
        return ifIndex;
    }

    /** Whether the program is attached through a BPF link (detached by the kernel if the process dies). */
    public boolean attachedByLink() {
        return linkFd >= 0;
    }

    int progFd() {
        return progFd;
    }

    private void detachNetlink() {
        synchronized (this) {
            if (netlink != null && netlinkFlags != 0) {
                final int result = netlink.setXdp(ifIndex, -1, netlinkFlags);
                if (result != 0) {
                    LOG.log(System.Logger.Level.WARNING, "detaching the XDP program from " + interfaceName + " failed: "
                        + Syscalls.describe(-result));
                }
                netlinkFlags = 0;
            }
        }
    }

    private void releaseResources() {
        closed = true;
        if (linkFd >= 0) {
            closeFd(linkFd);
            linkFd = -1;
        }
        if (netlink != null) {
            detachNetlink();
            if (shutdownHook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (final IllegalStateException shuttingDown) {
                    // the hook is running or has run; it detaches (idempotently) itself
                }
            }
            netlink.close();
        }
        closeFd(progFd);
        closeFd(xskMapFd);
        closeFd(ownedMapFd);
    }

    private static void closeFd(final int fd) {
        if (fd >= 0) {
            try (Arena arena = Arena.ofConfined()) {
                Syscalls.close(Syscalls.newCallState(arena), fd);
            }
        }
    }

    /** Identity of the calling thread's network namespace, e.g. {@code net:[4026531840]}. */
    static String networkNamespaceId() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        } catch (final IOException | UnsupportedOperationException e) {
            return "net:[unknown]";
        }
    }

    static String ipv4Text(final int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }
}
