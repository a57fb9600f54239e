package io.fulcrum.forwarder.io.afpacket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An assembled classic BPF program ({@code struct sock_filter[]}, the format of {@code SO_ATTACH_FILTER} and
 * {@code PACKET_FANOUT_DATA} for {@code PACKET_FANOUT_CBPF}), built with {@link #builder()} where jumps name
 * their targets by label. Layout of one instruction and of {@code struct sock_fprog} in
 * {@link TpacketDescriptor}.
 *
 * <p>Classic BPF has an accumulator A, an index register X and 16 scratch words M[0..15]. Jumps only go
 * forward: a conditional jump has 8-bit true/false offsets (at most 255 instructions), {@code ja} a 32-bit
 * one. The kernel rejects a program longer than {@link #MAX_INSTRUCTIONS}, with a backward or out-of-range
 * jump, or whose last instruction is not a return; {@link Builder#build()} checks the same, so a program that
 * builds is one the kernel's checker accepts.
 */
public final class CbpfProgram {
    /** Bytes per {@code struct sock_filter}. */
    public static final int INSTRUCTION_SIZE = 8;
    /** BPF_MAXINSNS. */
    public static final int MAX_INSTRUCTIONS = 4096;
    /** Largest conditional jump offset (u8). */
    public static final int MAX_CONDITIONAL_JUMP = 255;

    // classes
    public static final int LD = 0x00;
    public static final int LDX = 0x01;
    public static final int ST = 0x02;
    public static final int ALU = 0x04;
    public static final int JMP = 0x05;
    public static final int RET = 0x06;
    public static final int MISC = 0x07;
    // sizes
    public static final int W = 0x00;
    public static final int H = 0x08;
    public static final int B = 0x10;
    // modes
    public static final int IMM = 0x00;
    public static final int ABS = 0x20;
    public static final int IND = 0x40;
    public static final int MEM = 0x60;
    public static final int MSH = 0xa0;
    // ALU operations
    public static final int ADD = 0x00;
    public static final int AND = 0x50;
    public static final int LSH = 0x60;
    public static final int RSH = 0x70;
    public static final int MOD = 0x90;
    // jumps
    public static final int JA = 0x00;
    public static final int JEQ = 0x10;
    public static final int JGT = 0x20;
    public static final int JGE = 0x30;
    public static final int JSET = 0x40;
    // operand source
    public static final int K = 0x00;
    public static final int X = 0x08;
    /** RET: return the accumulator (BPF_A). */
    public static final int RET_A = 0x10;
    // misc
    public static final int TAX = 0x00;
    public static final int TXA = 0x80;

    /** Ancillary data base offset (SKF_AD_OFF); {@code ld [SKF_AD_OFF + SKF_AD_PROTOCOL]} is the host-order ethertype. */
    public static final int SKF_AD_OFF = -0x1000;
    public static final int SKF_AD_PROTOCOL = 0;
    /** Loads relative to the network header (SKF_NET_OFF), whatever {@code skb->data} points at. */
    public static final int SKF_NET_OFF = -0x100000;

    private static final ValueLayout.OfShort CODE = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt VALUE = ValueLayout.JAVA_INT_UNALIGNED;

    private final short[] codes;
    private final byte[] jumpsTrue;
    private final byte[] jumpsFalse;
    private final int[] values;

    private CbpfProgram(final short[] codes, final byte[] jumpsTrue, final byte[] jumpsFalse, final int[] values) {
        this.codes = codes;
        this.jumpsTrue = jumpsTrue;
        this.jumpsFalse = jumpsFalse;
        this.values = values;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Number of instructions. */
    public int size() {
        return codes.length;
    }

    /** The opcode of instruction {@code index}. */
    public int code(final int index) {
        return Short.toUnsignedInt(codes[index]);
    }

    /** The jump-if-true offset of instruction {@code index}. */
    public int jumpTrue(final int index) {
        return Byte.toUnsignedInt(jumpsTrue[index]);
    }

    /** The jump-if-false offset of instruction {@code index}. */
    public int jumpFalse(final int index) {
        return Byte.toUnsignedInt(jumpsFalse[index]);
    }

    /** The constant operand k of instruction {@code index}. */
    public int value(final int index) {
        return values[index];
    }

    /** The program as {@code struct sock_filter[]} in native byte order, in memory from {@code arena}. */
    public MemorySegment encode(final Arena arena) {
        final MemorySegment target = arena.allocate((long) codes.length * INSTRUCTION_SIZE, 8);
        for (int i = 0; i < codes.length; i++) {
            final long offset = (long) i * INSTRUCTION_SIZE;
            target.set(CODE, offset + TpacketDescriptor.SOCK_FILTER_CODE_OFFSET, codes[i]);
            target.set(ValueLayout.JAVA_BYTE, offset + TpacketDescriptor.SOCK_FILTER_JT_OFFSET, jumpsTrue[i]);
            target.set(ValueLayout.JAVA_BYTE, offset + TpacketDescriptor.SOCK_FILTER_JF_OFFSET, jumpsFalse[i]);
            target.set(VALUE, offset + TpacketDescriptor.SOCK_FILTER_K_OFFSET, values[i]);
        }
        return target;
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof CbpfProgram that && Arrays.equals(codes, that.codes) && Arrays.equals(jumpsTrue, that.jumpsTrue)
            && Arrays.equals(jumpsFalse, that.jumpsFalse) && Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(codes) * 31 + Arrays.hashCode(values);
    }

    /** One line per instruction: {@code index: code jt jf k} in hex, as {@code bpf_asm -c} would list them. */
    @Override
    public String toString() {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < codes.length; i++) {
            text.append(String.format("%4d: { 0x%02x, %3d, %3d, 0x%08x }%n", i, code(i), jumpTrue(i), jumpFalse(i), values[i]));
        }
        return text.toString();
    }

    /** Collects instructions and labels; jumps to labels are resolved in {@link #build()}. */
    public static final class Builder {
        private final List<int[]> instructions = new ArrayList<>();
        private final Map<String, Integer> labels = new HashMap<>();
        private final Map<Integer, String[]> pendingJumps = new HashMap<>();

        private Builder() {
        }

        /** Appends a statement {@code code, k} (no jump). */
        public Builder stmt(final int code, final int k) {
            instructions.add(new int[] {code, 0, 0, k});
            return this;
        }

        /**
         * Appends a conditional jump {@code code, k}: to {@code ifTrue} when the condition holds, else to
         * {@code ifFalse}; a null label means the next instruction.
         */
        public Builder jump(final int code, final int k, final String ifTrue, final String ifFalse) {
            if ((code & 0x07) != JMP || (code & 0xf0) == JA) {
                throw new IllegalArgumentException("not a conditional jump: 0x" + Integer.toHexString(code));
            }
            pendingJumps.put(instructions.size(), new String[] {ifTrue, ifFalse});
            instructions.add(new int[] {code, 0, 0, k});
            return this;
        }

        /** Appends {@code ja label} (unconditional, any forward distance). */
        public Builder jumpAlways(final String label) {
            pendingJumps.put(instructions.size(), new String[] {label});
            instructions.add(new int[] {JMP | JA, 0, 0, 0});
            return this;
        }

        /** Marks the position of the next instruction. */
        public Builder label(final String name) {
            if (labels.putIfAbsent(name, instructions.size()) != null) {
                throw new IllegalArgumentException("duplicate label: " + name);
            }
            return this;
        }

        /** Instructions appended so far. */
        public int size() {
            return instructions.size();
        }

        /**
         * Resolves labels.
         *
         * @throws IllegalStateException on an unknown label, a backward jump, a conditional jump farther than
         *                               {@value #MAX_CONDITIONAL_JUMP}, more than {@value #MAX_INSTRUCTIONS}
         *                               instructions, or a last instruction that is not a return.
         */
        public CbpfProgram build() {
            final int count = instructions.size();
            if (count == 0 || count > MAX_INSTRUCTIONS) {
                throw new IllegalStateException("a classic BPF program has 1.." + MAX_INSTRUCTIONS + " instructions, not "
                    + count);
            }
            if ((instructions.get(count - 1)[0] & 0x07) != RET) {
                throw new IllegalStateException("the last instruction must be a return");
            }
            final short[] codes = new short[count];
            final byte[] jumpsTrue = new byte[count];
            final byte[] jumpsFalse = new byte[count];
            final int[] values = new int[count];
            for (int pc = 0; pc < count; pc++) {
                final int[] insn = instructions.get(pc);
                codes[pc] = (short) insn[0];
                values[pc] = insn[3];
                final String[] targets = pendingJumps.get(pc);
                if (targets == null) {
                    continue;
                }
                if (targets.length == 1) {
                    values[pc] = distance(pc, targets[0], Integer.MAX_VALUE);
                } else {
                    jumpsTrue[pc] = (byte) distance(pc, targets[0], MAX_CONDITIONAL_JUMP);
                    jumpsFalse[pc] = (byte) distance(pc, targets[1], MAX_CONDITIONAL_JUMP);
                }
            }
            return new CbpfProgram(codes, jumpsTrue, jumpsFalse, values);
        }

        private int distance(final int pc, final String label, final int max) {
            if (label == null) {
                return 0;
            }
            final Integer target = labels.get(label);
            if (target == null) {
                throw new IllegalStateException("undefined label: " + label);
            }
            final int distance = target - (pc + 1);
            if (distance < 0 || distance > max || target >= instructions.size()) {
                throw new IllegalStateException("jump from " + pc + " to '" + label + "' (" + target + ") is "
                    + (distance < 0 ? "backward" : target >= instructions.size() ? "past the end" : "too far for 8 bits"));
            }
            return distance;
        }
    }
}
