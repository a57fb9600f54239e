package io.fulcrum.forwarder.io.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the packet path needs, bound once through the Foreign Function &amp; Memory API.
 *
 * <p>Every call takes a {@code callState} segment (from {@link #newCallState(Arena)}, allocated once
 * per owner, never per call) into which the kernel's errno is captured; read it with {@link #errno}.
 * Return values are the raw libc results (-1 on error), so hot-path callers branch without exceptions.
 */
public final class Syscalls {
    public static final int AF_PACKET = 17;
    public static final int AF_XDP = 44;
    public static final int AF_INET = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOL_PACKET = 263;
    public static final int SOL_XDP = 283;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MSG_DONTWAIT = 0x40;
    public static final short POLLIN = 1;
    public static final short POLLOUT = 4;
    public static final long SYS_BPF = 321;
    public static final int EAGAIN = 11;
    public static final int EINTR = 4;
    public static final int EBUSY = 16;
    public static final int ENOBUFS = 105;
    public static final int EOPNOTSUPP = 95;
    public static final int SIOCGIFHWADDR = 0x8927;
    public static final int SIOCGIFMTU = 0x8921;
    public static final int SIOCGIFFLAGS = 0x8913;
    public static final int IFNAMSIZ = 16;
    /** sizeof(struct ifreq). */
    public static final int IFREQ_SIZE = 40;
    /** struct pollfd { int fd; short events; short revents; }. */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
        JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MMAP = bind("mmap",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDTO = bind("sendto",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM = bind("recvfrom",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle IF_NAMETOINDEX = bind("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle IOCTL = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SYSCALL6 = bind("syscall",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SCHED_SETAFFINITY = bind("sched_setaffinity",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SCHED_SETSCHEDULER = bind("sched_setscheduler",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle GETTID = bind("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
        LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Syscalls() {
    }

    private static MethodHandle bind(final String name, final FunctionDescriptor descriptor, final Linker.Option... extra) {
        final Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), descriptor, options);
    }

    /** A segment to capture errno into; allocate once per owner and reuse for every call. */
    public static MemorySegment newCallState(final Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** The errno captured by the last call that used {@code callState}. */
    public static int errno(final MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** A readable message for an errno, e.g. {@code EBUSY (16): Device or resource busy}. */
    public static String describe(final int errno) {
        try {
            final MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (final Throwable t) {
            return "errno " + errno;
        }
    }

    public static int socket(final MemorySegment callState, final int domain, final int type, final int protocol) {
        try {
            return (int) SOCKET.invokeExact(callState, domain, type, protocol);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    public static int setsockopt(final MemorySegment callState, final int fd, final int level, final int name,
                                 final MemorySegment value, final int length) {
        try {
            return (int) SETSOCKOPT.invokeExact(callState, fd, level, name, value, length);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    /** setsockopt with a 4-byte int value; {@code scratch} must hold at least 4 bytes. */
    public static int setsockoptInt(final MemorySegment callState, final MemorySegment scratch, final int fd,
                                    final int level, final int name, final int value) {
        scratch.set(JAVA_INT, 0, value);
        return setsockopt(callState, fd, level, name, scratch, 4);
    }

    /** getsockopt; {@code lengthInOut} is a 4-byte segment holding the buffer size in, the result size out. */
    public static int getsockopt(final MemorySegment callState, final int fd, final int level, final int name,
                                 final MemorySegment value, final MemorySegment lengthInOut) {
        try {
            return (int) GETSOCKOPT.invokeExact(callState, fd, level, name, value, lengthInOut);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    public static int bind(final MemorySegment callState, final int fd, final MemorySegment address, final int length) {
        try {
            return (int) BIND.invokeExact(callState, fd, address, length);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * mmap; returns the mapping reinterpreted to {@code length} bytes, or {@link MemorySegment#NULL} on
     * failure (MAP_FAILED), with errno in {@code callState}.
     */
    public static MemorySegment mmap(final MemorySegment callState, final long length, final int prot, final int flags,
                                     final int fd, final long offset) {
        try {
            final MemorySegment result = (MemorySegment) MMAP.invokeExact(callState, MemorySegment.NULL, length, prot, flags,
                fd, offset);
            if (result.address() == -1L || result.address() == 0L) {
                return MemorySegment.NULL;
            }
            return result.reinterpret(length);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    public static int munmap(final MemorySegment callState, final MemorySegment mapping) {
        try {
            return (int) MUNMAP.invokeExact(callState, mapping, mapping.byteSize());
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    public static int close(final MemorySegment callState, final int fd) {
        try {
            return (int) CLOSE.invokeExact(callState, fd);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    /** poll over {@code count} {@link #POLLFD} records in {@code fds}. */
    public static int poll(final MemorySegment callState, final MemorySegment fds, final long count, final int timeoutMs) {
        try {
            return (int) POLL.invokeExact(callState, fds, count, timeoutMs);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    public static long sendto(final MemorySegment callState, final int fd, final MemorySegment buffer, final long length,
                              final int flags, final MemorySegment address, final int addressLength) {
        try {
            return (long) SENDTO.invokeExact(callState, fd, buffer, length, flags, address, addressLength);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    /** The zero-length {@code sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0)} that kicks a TX ring. */
    public static long kick(final MemorySegment callState, final int fd) {
        return sendto(callState, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT, MemorySegment.NULL, 0);
    }

    public static long recvfrom(final MemorySegment callState, final int fd, final MemorySegment buffer, final long length,
                                final int flags, final MemorySegment address, final MemorySegment addressLength) {
        try {
            return (long) RECVFROM.invokeExact(callState, fd, buffer, length, flags, address, addressLength);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    /** if_nametoindex; 0 if there is no such interface. */
    public static int ifNameToIndex(final String name) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = newCallState(arena);
            return (int) IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(name));
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ioctl(final MemorySegment callState, final int fd, final long request, final MemorySegment argument) {
        try {
            return (int) IOCTL.invokeExact(callState, fd, request, argument);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    /** The bpf(2) system call: {@code bpf(cmd, attr, size)}. */
    public static long bpf(final MemorySegment callState, final int command, final MemorySegment attr, final int size) {
        try {
            return (long) SYSCALL6.invokeExact(callState, SYS_BPF, (long) command, attr.address(), (long) size);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    /** Pins the calling thread to one CPU; returns 0 or -1 with errno. */
    public static int pinCurrentThread(final MemorySegment callState, final int cpu) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment mask = arena.allocate(128);
            final int word = cpu / 64;
            mask.set(JAVA_LONG, word * 8L, 1L << (cpu % 64));
            return (int) SCHED_SETAFFINITY.invokeExact(callState, 0, 128L, mask);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets SCHED_FIFO with {@code priority} on the calling thread; returns 0 or -1 with errno. */
    public static int setFifoPriority(final MemorySegment callState, final int priority) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment param = arena.allocate(JAVA_INT);
            param.set(JAVA_INT, 0, priority);
            return (int) SCHED_SETSCHEDULER.invokeExact(callState, 0, 1, param);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    /** The kernel thread id of the calling thread (for CPU accounting in /proc/self/task). */
    public static int gettid(final MemorySegment callState) {
        try {
            return (int) GETTID.invokeExact(callState);
        } catch (final Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(final Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
