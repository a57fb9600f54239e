package io.fulcrum.forwarder.io.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class SyscallsTest {
    @Test
    void loopbackHasIndexAndUnknownInterfaceHasNone() {
        assertThat(Syscalls.ifNameToIndex("lo")).isPositive();
        assertThat(Syscalls.ifNameToIndex("no-such-if0")).isZero();
    }

    @Test
    void errnoIsCapturedOnFailure() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(arena);
            assertThat(Syscalls.close(state, -1)).isEqualTo(-1);
            assertThat(Syscalls.errno(state)).isEqualTo(9); // EBADF
            assertThat(Syscalls.describe(9)).contains("Bad file descriptor");
        }
    }

    @Test
    void anonymousMappingRoundTrips() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(arena);
            final MemorySegment map = Syscalls.mmap(state, 4096, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0);
            assertThat(map.byteSize()).isEqualTo(4096);
            map.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, 42L);
            assertThat(map.get(java.lang.foreign.ValueLayout.JAVA_LONG, 8)).isEqualTo(42L);
            assertThat(Syscalls.munmap(state, map)).isZero();
        }
    }
}
