package io.fulcrum.forwarder.io.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.function.Supplier;

/**
 * The calling thread inside another network namespace, until {@link #close()} brings it back.
 *
 * <p>{@code setns(2)} with {@code CLONE_NEWNET} switches only the calling thread; sockets keep the
 * namespace they were created in, so a socket opened inside stays there after the thread returns. Named
 * namespaces are the files {@code ip netns add} creates under {@code /var/run/netns}. Needs CAP_SYS_ADMIN.
 *
 * <pre>
 *   try (NetNamespace ns = NetNamespace.enter("lb")) {
 *       port = XdpPacketIo.open(config);     // interface looked up and program attached in "lb"
 *   }                                        // thread back in its original namespace
 * </pre>
 */
public final class NetNamespace implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final String NAMED_NAMESPACES = "/var/run/netns/";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = LINKER.downcallHandle(LINKER.defaultLookup().find("setns").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);

    private final String name;
    private final Thread thread;
    private final int originalFd;
    private boolean closed;

    private NetNamespace(final String name, final Thread thread, final int originalFd) {
        this.name = name;
        this.thread = thread;
        this.originalFd = originalFd;
    }

    /** Moves the calling thread into the named namespace {@code /var/run/netns/<name>}. */
    public static NetNamespace enter(final String name) {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("not a namespace name: " + name);
        }
        return enterPath(NAMED_NAMESPACES + name);
    }

    /** Moves the calling thread into the namespace of {@code path} (a netns file or {@code /proc/PID/ns/net}). */
    public static NetNamespace enterPath(final String path) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(arena);
            final int original = open(arena, state, "/proc/thread-self/ns/net");
            if (original < 0) {
                throw new IllegalStateException("open /proc/thread-self/ns/net failed: "
                    + Syscalls.describe(Syscalls.errno(state)));
            }
            final int target = open(arena, state, path);
            if (target < 0) {
                final int errno = Syscalls.errno(state);
                Syscalls.close(state, original);
                throw new IllegalStateException("open network namespace " + path + " failed: " + Syscalls.describe(errno));
            }
            final int result = setns(state, target);
            final int errno = Syscalls.errno(state);
            Syscalls.close(state, target);
            if (result < 0) {
                Syscalls.close(state, original);
                throw new IllegalStateException("setns(" + path + ", CLONE_NEWNET) failed: " + Syscalls.describe(errno)
                    + (errno == 1 ? " (needs CAP_SYS_ADMIN)" : ""));
            }
            return new NetNamespace(path, Thread.currentThread(), original);
        }
    }

    /** Runs {@code action} on the calling thread inside the named namespace and comes back. */
    public static <T> T call(final String name, final Supplier<T> action) {
        try (NetNamespace ignored = enter(name)) {
            return action.get();
        }
    }

    /** The namespace file this thread entered. */
    public String path() {
        return name;
    }

    /** Moves the thread back to the namespace it was in before {@link #enter}; must run on that thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("a NetNamespace must be left on the thread that entered it (" + thread + ")");
        }
        closed = true;
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(arena);
            final int result = setns(state, originalFd);
            final int errno = Syscalls.errno(state);
            Syscalls.close(state, originalFd);
            if (result < 0) {
                throw new IllegalStateException("returning from network namespace " + name + " failed: "
                    + Syscalls.describe(errno));
            }
        }
    }

    private static int open(final Arena arena, final MemorySegment state, final String path) {
        try {
            return (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY_CLOEXEC);
        } catch (final Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static int setns(final MemorySegment state, final int fd) {
        try {
            return (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
        } catch (final Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
