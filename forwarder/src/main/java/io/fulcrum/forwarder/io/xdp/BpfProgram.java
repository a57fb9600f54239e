package io.fulcrum.forwarder.io.xdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An assembled eBPF program: an immutable list of {@link BpfInsn}, built with {@link #builder()} where
 * jumps name their target by label and are resolved when the program is built.
 */
public final class BpfProgram {
    private final List<BpfInsn> instructions;

    private BpfProgram(final List<BpfInsn> instructions) {
        this.instructions = List.copyOf(instructions);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The instructions (64-bit immediate loads count as two). */
    public List<BpfInsn> instructions() {
        return instructions;
    }

    public int size() {
        return instructions.size();
    }

    /** The program encoded as {@code struct bpf_insn[]} in memory from {@code arena}. */
    public MemorySegment encode(final Arena arena) {
        final MemorySegment target = arena.allocate((long) instructions.size() * BpfInsn.SIZE, 8);
        for (int i = 0; i < instructions.size(); i++) {
            instructions.get(i).encode(target, (long) i * BpfInsn.SIZE);
        }
        return target;
    }

    /** Human-readable listing, one instruction per line (for error messages and tests). */
    @Override
    public String toString() {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < instructions.size(); i++) {
            text.append(i).append(": ").append(instructions.get(i)).append('\n');
        }
        return text.toString();
    }

    /** Collects instructions and labels; jumps to labels are patched in {@link #build()}. */
    public static final class Builder {
        private final List<BpfInsn> instructions = new ArrayList<>();
        private final Map<String, Integer> labels = new HashMap<>();
        private final Map<Integer, String> pendingJumps = new HashMap<>();

        private Builder() {
        }

        /** Appends instructions. */
        public Builder add(final BpfInsn... insns) {
            for (final BpfInsn insn : insns) {
                instructions.add(insn);
            }
            return this;
        }

        /** Marks the position of the next instruction. */
        public Builder label(final String name) {
            if (labels.putIfAbsent(name, instructions.size()) != null) {
                throw new IllegalArgumentException("duplicate label: " + name);
            }
            return this;
        }

        /** {@code if (dst op imm) goto label}. */
        public Builder jumpImm(final int op, final int dst, final int imm, final String label) {
            pendingJumps.put(instructions.size(), label);
            instructions.add(BpfInsn.jmpImm(op, dst, imm, 0));
            return this;
        }

        /** {@code if (dst op src) goto label}. */
        public Builder jumpReg(final int op, final int dst, final int src, final String label) {
            pendingJumps.put(instructions.size(), label);
            instructions.add(BpfInsn.jmpReg(op, dst, src, 0));
            return this;
        }

        /** {@code goto label}. */
        public Builder jump(final String label) {
            pendingJumps.put(instructions.size(), label);
            instructions.add(BpfInsn.ja(0));
            return this;
        }

        /** Resolves labels; fails on unknown labels or jumps out of s16 range. */
        public BpfProgram build() {
            final List<BpfInsn> resolved = new ArrayList<>(instructions);
            for (final Map.Entry<Integer, String> jump : pendingJumps.entrySet()) {
                final Integer target = labels.get(jump.getValue());
                if (target == null) {
                    throw new IllegalStateException("undefined label: " + jump.getValue());
                }
                final int pc = jump.getKey();
                final BpfInsn insn = resolved.get(pc);
                resolved.set(pc, new BpfInsn(insn.opcode(), insn.dst(), insn.src(), target - (pc + 1), insn.imm()));
            }
            if (resolved.isEmpty()) {
                throw new IllegalStateException("empty program");
            }
            return new BpfProgram(resolved);
        }
    }
}
