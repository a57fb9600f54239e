package io.fulcrum.forwarder.io.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Moves the calling thread into a network namespace ({@code setns(2)} with {@code CLONE_NEWNET}).
 *
 * <p>Only the calling thread changes namespace; the rest of the JVM stays where it was. Sockets keep the
 * namespace they were created in, so a port opened inside a {@link Scope} keeps working after the scope
 * is closed and the thread has returned. Child processes started from the thread inherit its namespace.
 * Setup-time only: every call allocates.
 *
 * <pre>
 *   try (NetNamespace.Scope scope = NetNamespace.enter("lb")) {   // /var/run/netns/lb, as `ip netns add lb`
 *       port = AfPacketIo.open(configuration);                    // socket lives in "lb" from now on
 *   }                                                              // thread is back in its old namespace
 * </pre>
 */
public final class NetNamespace {
    /** Where {@code ip netns add NAME} keeps the namespace handle. */
    public static final Path NAMED_NAMESPACES = Path.of("/var/run/netns");

    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
        Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = LINKER.downcallHandle(LINKER.defaultLookup().find("setns").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.captureCallState("errno"));

    private NetNamespace() {
    }

    /** Returns to the namespace the thread was in before {@link #enter}. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Enters the namespace created by {@code ip netns add name}. */
    public static Scope enter(final String name) {
        if (name.isEmpty() || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("not a network namespace name: '" + name + "'");
        }
        return enter(NAMED_NAMESPACES.resolve(name));
    }

    /** Enters the namespace behind {@code handle} (a bind mount or {@code /proc/PID/ns/net}). */
    public static Scope enter(final Path handle) {
        final int previous = open(Path.of("/proc/thread-self/ns/net"));
        try {
            final int target = open(handle);
            try {
                setns(target, handle);
            } finally {
                closeQuietly(target);
            }
        } catch (final RuntimeException e) {
            closeQuietly(previous);
            throw e;
        }
        return new Scope() {
            private boolean closed;

            @Override
            public void close() {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    setns(previous, Path.of("/proc/thread-self/ns/net (previous)"));
                } finally {
                    closeQuietly(previous);
                }
            }
        };
    }

    private static int open(final Path path) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(arena);
            final int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path.toString()), O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IllegalStateException("cannot open network namespace " + path + ": "
                    + Syscalls.describe(Syscalls.errno(state)));
            }
            return fd;
        } catch (final RuntimeException | Error e) {
            throw e;
        } catch (final Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void setns(final int fd, final Path what) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(arena);
            if ((int) SETNS.invokeExact(state, fd, CLONE_NEWNET) != 0) {
                throw new IllegalStateException("setns(" + what + ", CLONE_NEWNET) failed: "
                    + Syscalls.describe(Syscalls.errno(state)) + " (needs CAP_SYS_ADMIN)");
            }
        } catch (final RuntimeException | Error e) {
            throw e;
        } catch (final Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void closeQuietly(final int fd) {
        try (Arena arena = Arena.ofConfined()) {
            Syscalls.close(Syscalls.newCallState(arena), fd);
        }
    }
}
