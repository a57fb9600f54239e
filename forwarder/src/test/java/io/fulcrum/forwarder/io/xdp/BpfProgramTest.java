package io.fulcrum.forwarder.io.xdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fulcrum.forwarder.io.sys.Syscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class BpfProgramTest {
    @Test
    void encodesInstructionsLikeTheKernelHeaders() {
        // r0 = 2; exit  (as emitted by clang for "return XDP_PASS")
        assertThat(hex(BpfProgram.builder().add(BpfInsn.mov64Imm(BpfInsn.R0, 2), BpfInsn.exit()).build()))
            .isEqualTo("b700000002000000" + "9500000000000000");
        // r2 = *(u16 *)(r7 + 12)  -> 69 72 0c 00 00000000
        assertThat(hex(BpfProgram.builder().add(BpfInsn.ldxMem(BpfInsn.SIZE_H, BpfInsn.R2, BpfInsn.R7, 12)).build()))
            .isEqualTo("69720c0000000000");
        // *(u32 *)(r10 - 4) = r2  -> 63 2a fc ff 00000000
        assertThat(hex(BpfProgram.builder().add(BpfInsn.stxMem(BpfInsn.SIZE_W, BpfInsn.R10, BpfInsn.R2, -4)).build()))
            .isEqualTo("632afcff00000000");
        // r1 = map_fd 7 (ld_imm64 with BPF_PSEUDO_MAP_FD) -> 18 11 0000 07000000 | 00 00 0000 00000000
        assertThat(hex(BpfProgram.builder().add(BpfInsn.ldMapFd(BpfInsn.R1, 7)).build()))
            .isEqualTo("1811000007000000" + "0000000000000000");
    }

    @Test
    void resolvesForwardAndBackwardLabels() {
        final BpfProgram program = BpfProgram.builder()
            .label("top")
            .jumpImm(BpfInsn.JMP_JEQ, BpfInsn.R1, 0, "end")
            .add(BpfInsn.mov64Imm(BpfInsn.R0, 1))
            .jump("top")
            .label("end")
            .add(BpfInsn.exit())
            .build();
        assertThat(program.instructions().get(0).offset()).isEqualTo(2);
        assertThat(program.instructions().get(2).offset()).isEqualTo(-3);
        assertThatThrownBy(() -> BpfProgram.builder().jump("nowhere").build()).hasMessageContaining("nowhere");
        assertThatThrownBy(() -> BpfProgram.builder().label("a").label("a")).hasMessageContaining("duplicate");
    }

    @Test
    void redirectProgramPassesTheVerifierAndPassesEverythingWithoutSockets() {
        final int owned = Bpf.mapCreate(BpfAttrDescriptor.MAP_TYPE_HASH, 4, 1, 16, "t_owned");
        final int xsks = Bpf.mapCreate(BpfAttrDescriptor.MAP_TYPE_XSKMAP, 4, 4, 4, "t_xsks");
        try {
            final int prog = Bpf.progLoad(BpfAttrDescriptor.PROG_TYPE_XDP, BpfAttrDescriptor.ATTACH_TYPE_XDP,
                XdpRedirectProgram.build(owned, xsks), "t_xdp");
            try {
                assertThat(Bpf.mapUpdate(owned, XdpRedirectProgram.ownedKey(0xc6120064), 1, 1)).isZero();
                final byte[] frame = new byte[60];
                frame[12] = 0x08;
                frame[14] = 0x45;
                frame[30] = (byte) 198;
                frame[31] = 18;
                frame[32] = 0;
                frame[33] = 100;
                assertThat(Bpf.testRunXdp(prog, frame)).isEqualTo(XdpRedirectProgram.XDP_PASS);
            } finally {
                close(prog);
            }
        } finally {
            close(owned);
            close(xsks);
        }
    }

    @Test
    void verifierRejectionCarriesTheLog() {
        // exit without setting r0: the verifier refuses with "R0 !read_ok"
        final BpfProgram bad = BpfProgram.builder().add(BpfInsn.exit()).build();
        assertThatThrownBy(() -> Bpf.progLoad(BpfAttrDescriptor.PROG_TYPE_XDP, BpfAttrDescriptor.ATTACH_TYPE_XDP, bad, "t_bad"))
            .isInstanceOf(XdpSetupException.class)
            .hasMessageContaining("verifier log")
            .hasMessageContaining("R0 !read_ok");
    }

    private static void close(final int fd) {
        try (Arena arena = Arena.ofConfined()) {
            Syscalls.close(Syscalls.newCallState(arena), fd);
        }
    }

    private static String hex(final BpfProgram program) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment encoded = program.encode(arena);
            return HexFormat.of().formatHex(encoded.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
