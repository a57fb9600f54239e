package io.fulcrum.forwarder.io.xdp;

import static io.fulcrum.forwarder.io.xdp.BpfAttrDescriptor.ATTR_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.fulcrum.forwarder.io.sys.Syscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The bpf(2) commands used to set up the XDP program, through {@link Syscalls#bpf}. Setup path only:
 * every call allocates its {@code bpf_attr} in a confined arena. Calls return the kernel's result, or a
 * negative errno where the caller decides what a failure means, and throw {@link XdpSetupException}
 * where a failure can only be reported.
 */
final class Bpf {
    private static final int LOG_SIZE = 1 << 20;

    private Bpf() {
    }

    /** Creates a map; returns its fd or throws. */
    static int mapCreate(final int type, final int keySize, final int valueSize, final int maxEntries, final String name) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, BpfAttrDescriptor.MAP_CREATE_TYPE, type);
            attr.set(JAVA_INT, BpfAttrDescriptor.MAP_CREATE_KEY_SIZE, keySize);
            attr.set(JAVA_INT, BpfAttrDescriptor.MAP_CREATE_VALUE_SIZE, valueSize);
            attr.set(JAVA_INT, BpfAttrDescriptor.MAP_CREATE_MAX_ENTRIES, maxEntries);
            putName(attr, BpfAttrDescriptor.MAP_CREATE_NAME, name);
            final long fd = call(arena, BpfAttrDescriptor.CMD_MAP_CREATE, attr);
            if (fd < 0) {
                throw new XdpSetupException("BPF_MAP_CREATE " + name + " (type " + type + ", " + maxEntries + " entries) failed: "
                    + Syscalls.describe((int) -fd) + hintForPermission((int) -fd), (int) -fd);
            }
            return (int) fd;
        }
    }

    /** Sets {@code key -> value} (native-order u32 key and value of {@code valueSize} bytes); 0 or -errno. */
    static int mapUpdate(final int mapFd, final int key, final long value, final int valueSize) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment keySegment = arena.allocate(8, 8);
            keySegment.set(JAVA_INT, 0, key);
            final MemorySegment valueSegment = arena.allocate(8, 8);
            for (int i = 0; i < valueSize; i++) {
                valueSegment.set(JAVA_BYTE, i, (byte) (value >>> (8 * i)));
            }
            final MemorySegment attr = elemAttr(arena, mapFd, keySegment, valueSegment);
            attr.set(JAVA_LONG, BpfAttrDescriptor.ELEM_FLAGS, BpfAttrDescriptor.UPDATE_ANY);
            return (int) call(arena, BpfAttrDescriptor.CMD_MAP_UPDATE_ELEM, attr);
        }
    }

    /** Deletes {@code key}; 0 or -errno (-ENOENT if absent). */
    static int mapDelete(final int mapFd, final int key) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment keySegment = arena.allocate(8, 8);
            keySegment.set(JAVA_INT, 0, key);
            final MemorySegment attr = elemAttr(arena, mapFd, keySegment, MemorySegment.NULL);
            return (int) call(arena, BpfAttrDescriptor.CMD_MAP_DELETE_ELEM, attr);
        }
    }

    /** Looks {@code key} up; returns the u32 value, or -errno (-ENOENT if absent) as a negative long. */
    static long mapLookupInt(final int mapFd, final int key) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment keySegment = arena.allocate(8, 8);
            keySegment.set(JAVA_INT, 0, key);
            final MemorySegment valueSegment = arena.allocate(8, 8);
            final MemorySegment attr = elemAttr(arena, mapFd, keySegment, valueSegment);
            final long result = call(arena, BpfAttrDescriptor.CMD_MAP_LOOKUP_ELEM, attr);
            return result < 0 ? result : valueSegment.get(JAVA_INT, 0) & 0xffffffffL;
        }
    }

    /**
     * Loads a program. On failure it loads again with the verifier log enabled and puts the log into the
     * exception message.
     */
    static int progLoad(final int type, final int expectedAttachType, final BpfProgram program, final String name) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment insns = program.encode(arena);
            final MemorySegment license = arena.allocateFrom("GPL");
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, BpfAttrDescriptor.PROG_LOAD_TYPE, type);
            attr.set(JAVA_INT, BpfAttrDescriptor.PROG_LOAD_INSN_CNT, program.size());
            attr.set(JAVA_LONG, BpfAttrDescriptor.PROG_LOAD_INSNS, insns.address());
            attr.set(JAVA_LONG, BpfAttrDescriptor.PROG_LOAD_LICENSE, license.address());
            attr.set(JAVA_INT, BpfAttrDescriptor.PROG_LOAD_EXPECTED_ATTACH_TYPE, expectedAttachType);
            putName(attr, BpfAttrDescriptor.PROG_LOAD_NAME, name);
            final long fd = call(arena, BpfAttrDescriptor.CMD_PROG_LOAD, attr);
            if (fd >= 0) {
                return (int) fd;
            }
            final MemorySegment log = arena.allocate(LOG_SIZE);
            attr.set(JAVA_INT, BpfAttrDescriptor.PROG_LOAD_LOG_LEVEL, 1);
            attr.set(JAVA_INT, BpfAttrDescriptor.PROG_LOAD_LOG_SIZE, LOG_SIZE);
            attr.set(JAVA_LONG, BpfAttrDescriptor.PROG_LOAD_LOG_BUF, log.address());
            final long retry = call(arena, BpfAttrDescriptor.CMD_PROG_LOAD, attr);
            if (retry >= 0) {
                // Loads with the log on but not without it: keep the program rather than fail on a quirk.
                return (int) retry;
            }
            final int errno = (int) -fd;
            throw new XdpSetupException("BPF_PROG_LOAD " + name + " failed: " + Syscalls.describe(errno)
                + hintForPermission(errno) + "\nverifier log:\n" + log.getString(0).strip() + "\nprogram:\n" + program, errno);
        }
    }

    /** Attaches an XDP program to an interface through a BPF link; the link fd, or -errno. */
    static int linkCreateXdp(final int progFd, final int ifIndex, final int xdpFlags) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, BpfAttrDescriptor.LINK_CREATE_PROG_FD, progFd);
            attr.set(JAVA_INT, BpfAttrDescriptor.LINK_CREATE_TARGET_IFINDEX, ifIndex);
            attr.set(JAVA_INT, BpfAttrDescriptor.LINK_CREATE_ATTACH_TYPE, BpfAttrDescriptor.ATTACH_TYPE_XDP);
            attr.set(JAVA_INT, BpfAttrDescriptor.LINK_CREATE_FLAGS, xdpFlags);
            return (int) call(arena, BpfAttrDescriptor.CMD_LINK_CREATE, attr);
        }
    }

    /**
     * Runs an XDP program once over {@code frame} without any interface (BPF_PROG_TEST_RUN, ctx
     * rx_queue_index 0); returns the XDP action, or -errno.
     */
    static int testRunXdp(final int progFd, final byte[] frame) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment in = arena.allocate(Math.max(frame.length, 1), 8);
            MemorySegment.copy(frame, 0, in, JAVA_BYTE, 0, frame.length);
            final MemorySegment out = arena.allocate(4096, 8);
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, BpfAttrDescriptor.TEST_RUN_PROG_FD, progFd);
            attr.set(JAVA_INT, BpfAttrDescriptor.TEST_RUN_DATA_SIZE_IN, frame.length);
            attr.set(JAVA_INT, BpfAttrDescriptor.TEST_RUN_DATA_SIZE_OUT, (int) out.byteSize());
            attr.set(JAVA_LONG, BpfAttrDescriptor.TEST_RUN_DATA_IN, in.address());
            attr.set(JAVA_LONG, BpfAttrDescriptor.TEST_RUN_DATA_OUT, out.address());
            attr.set(JAVA_INT, BpfAttrDescriptor.TEST_RUN_REPEAT, 1);
            final long result = call(arena, BpfAttrDescriptor.CMD_PROG_TEST_RUN, attr);
            return result < 0 ? (int) result : attr.get(JAVA_INT, BpfAttrDescriptor.TEST_RUN_RETVAL);
        }
    }

    private static MemorySegment elemAttr(final Arena arena, final int mapFd, final MemorySegment key,
                                          final MemorySegment value) {
        final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(JAVA_INT, BpfAttrDescriptor.ELEM_MAP_FD, mapFd);
        attr.set(JAVA_LONG, BpfAttrDescriptor.ELEM_KEY, key.address());
        attr.set(JAVA_LONG, BpfAttrDescriptor.ELEM_VALUE, value.address());
        return attr;
    }

    /** bpf(cmd, attr): the result, or -errno. */
    private static long call(final Arena arena, final int command, final MemorySegment attr) {
        final MemorySegment state = Syscalls.newCallState(arena);
        final long result = Syscalls.bpf(state, command, attr, ATTR_SIZE);
        return result < 0 ? -Syscalls.errno(state) : result;
    }

    private static void putName(final MemorySegment attr, final int offset, final String name) {
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length >= BpfAttrDescriptor.OBJ_NAME_LEN) {
            throw new IllegalArgumentException("BPF object name longer than 15 characters: " + name);
        }
        MemorySegment.copy(bytes, 0, attr, JAVA_BYTE, offset, bytes.length);
    }

    static String hintForPermission(final int errno) {
        if (errno == 1 || errno == 13) {
            return " (needs root or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON)";
        }
        return "";
    }
}
