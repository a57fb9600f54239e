package io.fulcrum.forwarder.io.xdp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One eBPF instruction ({@code struct bpf_insn}) and the opcode constants to build it.
 *
 * <pre>
 *  byte 0      1            2..3        4..7
 *  +--------+-----------+-----------+--------------------+
 *  | opcode | src | dst | offset    | immediate          |   (little-endian, 8 bytes)
 *  |  u8    | hi4 | lo4 | s16       | s32                |
 *  +--------+-----------+-----------+--------------------+
 *  opcode = class | size | mode          (loads/stores)
 *  opcode = class | op | source(K/X)    (ALU/JMP)
 * </pre>
 *
 * <p>A 64-bit immediate load ({@link #ldImm64}) takes two instructions; the second carries the upper
 * 32 bits in its immediate. Registers: r0 return value, r1-r5 arguments, r6-r9 callee-saved, r10 frame
 * pointer (read-only).
 *
 * @param opcode the opcode byte
 * @param dst    destination register 0..10
 * @param src    source register 0..10 (or a pseudo source such as {@link #PSEUDO_MAP_FD})
 * @param offset signed 16-bit offset (memory displacement or jump distance in instructions)
 * @param imm    signed 32-bit immediate
 */
public record BpfInsn(int opcode, int dst, int src, int offset, int imm) {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Size of one encoded instruction in bytes. */
    public static final int SIZE = 8;

    // instruction classes
    public static final int CLASS_LD = 0x00;
    public static final int CLASS_LDX = 0x01;
    public static final int CLASS_ST = 0x02;
    public static final int CLASS_STX = 0x03;
    public static final int CLASS_ALU = 0x04;
    public static final int CLASS_JMP = 0x05;
    public static final int CLASS_JMP32 = 0x06;
    public static final int CLASS_ALU64 = 0x07;

    // load/store sizes and modes
    public static final int SIZE_W = 0x00;
    public static final int SIZE_H = 0x08;
    public static final int SIZE_B = 0x10;
    public static final int SIZE_DW = 0x18;
    public static final int MODE_IMM = 0x00;
    public static final int MODE_MEM = 0x60;

    // ALU operations
    public static final int ALU_ADD = 0x00;
    public static final int ALU_SUB = 0x10;
    public static final int ALU_MUL = 0x20;
    public static final int ALU_DIV = 0x30;
    public static final int ALU_OR = 0x40;
    public static final int ALU_AND = 0x50;
    public static final int ALU_LSH = 0x60;
    public static final int ALU_RSH = 0x70;
    public static final int ALU_NEG = 0x80;
    public static final int ALU_MOD = 0x90;
    public static final int ALU_XOR = 0xa0;
    public static final int ALU_MOV = 0xb0;
    public static final int ALU_ARSH = 0xc0;

    // jump operations
    public static final int JMP_JA = 0x00;
    public static final int JMP_JEQ = 0x10;
    public static final int JMP_JGT = 0x20;
    public static final int JMP_JGE = 0x30;
    public static final int JMP_JSET = 0x40;
    public static final int JMP_JNE = 0x50;
    public static final int JMP_JSGT = 0x60;
    public static final int JMP_JSGE = 0x70;
    public static final int JMP_CALL = 0x80;
    public static final int JMP_EXIT = 0x90;
    public static final int JMP_JLT = 0xa0;
    public static final int JMP_JLE = 0xb0;
    public static final int JMP_JSLT = 0xc0;
    public static final int JMP_JSLE = 0xd0;

    /** Operand source: the immediate. */
    public static final int SRC_K = 0x00;
    /** Operand source: the src register. */
    public static final int SRC_X = 0x08;

    /** src_reg of an {@link #ldImm64} whose immediate is a map file descriptor, rewritten by the verifier. */
    public static final int PSEUDO_MAP_FD = 1;

    public static final int R0 = 0;
    public static final int R1 = 1;
    public static final int R2 = 2;
    public static final int R3 = 3;
    public static final int R4 = 4;
    public static final int R5 = 5;
    public static final int R6 = 6;
    public static final int R7 = 7;
    public static final int R8 = 8;
    public static final int R9 = 9;
    public static final int R10 = 10;

    public BpfInsn {
        if ((opcode & ~0xff) != 0) {
            throw new IllegalArgumentException("opcode out of range: " + opcode);
        }
        if (dst < 0 || dst > 10 || src < 0 || src > 15) {
            throw new IllegalArgumentException("register out of range: dst=" + dst + " src=" + src);
        }
        if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE) {
            throw new IllegalArgumentException("offset out of s16 range: " + offset);
        }
    }

    /** {@code dst = imm} (64-bit, immediate sign-extended). */
    public static BpfInsn mov64Imm(final int dst, final int imm) {
        return new BpfInsn(CLASS_ALU64 | ALU_MOV | SRC_K, dst, 0, 0, imm);
    }

    /** {@code dst = src} (64-bit). */
    public static BpfInsn mov64Reg(final int dst, final int src) {
        return new BpfInsn(CLASS_ALU64 | ALU_MOV | SRC_X, dst, src, 0, 0);
    }

    /** {@code dst op= imm} (64-bit), e.g. {@code alu64Imm(ALU_ADD, R2, 14)}. */
    public static BpfInsn alu64Imm(final int op, final int dst, final int imm) {
        return new BpfInsn(CLASS_ALU64 | op | SRC_K, dst, 0, 0, imm);
    }

    /** {@code dst op= src} (64-bit). */
    public static BpfInsn alu64Reg(final int op, final int dst, final int src) {
        return new BpfInsn(CLASS_ALU64 | op | SRC_X, dst, src, 0, 0);
    }

    /** {@code dst op= imm} (32-bit, upper half zeroed). */
    public static BpfInsn alu32Imm(final int op, final int dst, final int imm) {
        return new BpfInsn(CLASS_ALU | op | SRC_K, dst, 0, 0, imm);
    }

    /** {@code dst = *(size *)(src + offset)}. */
    public static BpfInsn ldxMem(final int size, final int dst, final int src, final int offset) {
        return new BpfInsn(CLASS_LDX | size | MODE_MEM, dst, src, offset, 0);
    }

    /** {@code *(size *)(dst + offset) = src}. */
    public static BpfInsn stxMem(final int size, final int dst, final int src, final int offset) {
        return new BpfInsn(CLASS_STX | size | MODE_MEM, dst, src, offset, 0);
    }

    /** {@code *(size *)(dst + offset) = imm}. */
    public static BpfInsn stMem(final int size, final int dst, final int offset, final int imm) {
        return new BpfInsn(CLASS_ST | size | MODE_MEM, dst, 0, offset, imm);
    }

    /** {@code if (dst op imm) goto pc + 1 + offset} (64-bit compare). */
    public static BpfInsn jmpImm(final int op, final int dst, final int imm, final int offset) {
        return new BpfInsn(CLASS_JMP | op | SRC_K, dst, 0, offset, imm);
    }

    /** {@code if (dst op src) goto pc + 1 + offset} (64-bit compare). */
    public static BpfInsn jmpReg(final int op, final int dst, final int src, final int offset) {
        return new BpfInsn(CLASS_JMP | op | SRC_X, dst, src, offset, 0);
    }

    /** {@code goto pc + 1 + offset}. */
    public static BpfInsn ja(final int offset) {
        return new BpfInsn(CLASS_JMP | JMP_JA, 0, 0, offset, 0);
    }

    /** Calls helper function number {@code helper}; arguments in r1-r5, result in r0. */
    public static BpfInsn call(final int helper) {
        return new BpfInsn(CLASS_JMP | JMP_CALL, 0, 0, 0, helper);
    }

    /** Returns r0. */
    public static BpfInsn exit() {
        return new BpfInsn(CLASS_JMP | JMP_EXIT, 0, 0, 0, 0);
    }

    /** {@code dst = imm64}: two instructions. */
    public static BpfInsn[] ldImm64(final int dst, final int src, final long imm64) {
        return new BpfInsn[] {
            new BpfInsn(CLASS_LD | SIZE_DW | MODE_IMM, dst, src, 0, (int) imm64),
            new BpfInsn(0, 0, 0, 0, (int) (imm64 >>> 32)),
        };
    }

    /** {@code dst = map(fd)}: the verifier replaces the fd with the map's kernel address. */
    public static BpfInsn[] ldMapFd(final int dst, final int mapFd) {
        return ldImm64(dst, PSEUDO_MAP_FD, mapFd & 0xffffffffL);
    }

    /** Writes the 8-byte encoding at {@code offset}. */
    public void encode(final MemorySegment target, final long offset) {
        target.set(ValueLayout.JAVA_BYTE, offset, (byte) opcode);
        target.set(ValueLayout.JAVA_BYTE, offset + 1, (byte) ((src << 4) | dst));
        target.set(LE_SHORT, offset + 2, (short) this.offset);
        target.set(LE_INT, offset + 4, imm);
    }
}
