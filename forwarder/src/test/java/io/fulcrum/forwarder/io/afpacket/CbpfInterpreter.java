package io.fulcrum.forwarder.io.afpacket;

/**
 * A classic BPF interpreter for tests, with the kernel's semantics for a program run on a received Ethernet
 * frame ({@code skb->data} at the network header, as in the AF_PACKET fanout hook): absolute and indirect loads
 * at k >= 0 and at {@link CbpfProgram#SKF_NET_OFF} + k read the network header onwards, ancillary
 * {@code SKF_AD_PROTOCOL} is the ethertype; a load outside the frame, or a division by a zero X, ends the
 * program with 0, as the kernel's converted program does. It also applies the kernel checker's static rules
 * (forward jumps inside the program, a return at the end, no division by constant 0, scratch index < 16).
 */
final class CbpfInterpreter {
    private static final int ETH_HEADER = 14;

    private CbpfInterpreter() {
    }

    /** Runs {@code program} on {@code frame} (starting with its Ethernet header) and returns its result. */
    static int run(final CbpfProgram program, final byte[] frame) {
        check(program);
        int a = 0;
        int x = 0;
        final int[] memory = new int[16];
        int pc = 0;
        while (true) {
            final int code = program.code(pc);
            final int k = program.value(pc);
            final int cls = code & 0x07;
            switch (cls) {
                case CbpfProgram.LD, CbpfProgram.LDX -> {
                    final int mode = code & 0xe0;
                    final int size = code & 0x18;
                    final long value;
                    if (mode == CbpfProgram.IMM) {
                        value = k;
                    } else if (mode == CbpfProgram.MEM) {
                        value = memory[k];
                    } else if (mode == 0x80) {
                        value = frame.length - ETH_HEADER;
                    } else if (mode == CbpfProgram.MSH) {
                        final long octet = load(frame, k, CbpfProgram.B);
                        if (octet < 0) {
                            return 0;
                        }
                        value = (octet & 0xf) << 2;
                    } else {
                        final long offset = mode == CbpfProgram.IND ? Integer.toUnsignedLong(x) + k : k;
                        value = load(frame, offset, size);
                        if (value < 0) {
                            return 0;
                        }
                    }
                    if (cls == CbpfProgram.LD) {
                        a = (int) value;
                    } else {
                        x = (int) value;
                    }
                    pc++;
                }
                case CbpfProgram.ST -> {
                    memory[k] = a;
                    pc++;
                }
                case 0x03 -> {
                    memory[k] = x;
                    pc++;
                }
                case CbpfProgram.ALU -> {
                    final int operand = (code & CbpfProgram.X) != 0 ? x : k;
                    final int op = code & 0xf0;
                    if ((op == 0x30 || op == CbpfProgram.MOD) && operand == 0) {
                        return 0;
                    }
                    a = switch (op) {
                        case CbpfProgram.ADD -> a + operand;
                        case 0x10 -> a - operand;
                        case 0x20 -> a * operand;
                        case 0x30 -> Integer.divideUnsigned(a, operand);
                        case 0x40 -> a | operand;
                        case CbpfProgram.AND -> a & operand;
                        case CbpfProgram.LSH -> a << operand;
                        case 0x70 -> a >>> operand;
                        case 0x80 -> -a;
                        case CbpfProgram.MOD -> Integer.remainderUnsigned(a, operand);
                        case 0xa0 -> a ^ operand;
                        default -> throw new IllegalStateException("ALU op 0x" + Integer.toHexString(op) + " at " + pc);
                    };
                    pc++;
                }
                case CbpfProgram.JMP -> {
                    final int op = code & 0xf0;
                    if (op == CbpfProgram.JA) {
                        pc += 1 + k;
                        continue;
                    }
                    final int operand = (code & CbpfProgram.X) != 0 ? x : k;
                    final boolean taken = switch (op) {
                        case CbpfProgram.JEQ -> a == operand;
                        case CbpfProgram.JGT -> Integer.compareUnsigned(a, operand) > 0;
                        case CbpfProgram.JGE -> Integer.compareUnsigned(a, operand) >= 0;
                        case CbpfProgram.JSET -> (a & operand) != 0;
                        default -> throw new IllegalStateException("jump op 0x" + Integer.toHexString(op) + " at " + pc);
                    };
                    pc += 1 + (taken ? program.jumpTrue(pc) : program.jumpFalse(pc));
                }
                case CbpfProgram.RET -> {
                    return (code & 0x18) == CbpfProgram.RET_A ? a : k;
                }
                case CbpfProgram.MISC -> {
                    if ((code & 0xf8) == CbpfProgram.TXA) {
                        a = x;
                    } else {
                        x = a;
                    }
                    pc++;
                }
                default -> throw new IllegalStateException("class " + cls + " at " + pc);
            }
        }
    }

    /** The bytes at {@code offset} (net-relative or SKF_NET_OFF-relative) big-endian, or -1 if out of the frame. */
    private static long load(final byte[] frame, final long offset, final int size) {
        if (offset == CbpfProgram.SKF_AD_OFF + CbpfProgram.SKF_AD_PROTOCOL && size == CbpfProgram.W) {
            return frame.length < ETH_HEADER ? -1 : (frame[12] & 0xff) << 8 | frame[13] & 0xff;
        }
        final long net = offset >= 0 ? offset : offset - CbpfProgram.SKF_NET_OFF;
        if (offset < 0 && (offset < CbpfProgram.SKF_NET_OFF || offset >= CbpfProgram.SKF_AD_OFF)) {
            throw new IllegalStateException("unsupported negative offset " + offset);
        }
        final int bytes = size == CbpfProgram.W ? 4 : size == CbpfProgram.H ? 2 : 1;
        if (net < 0 || ETH_HEADER + net + bytes > frame.length) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < bytes; i++) {
            value = value << 8 | frame[(int) (ETH_HEADER + net + i)] & 0xff;
        }
        return value;
    }

    /** The kernel checker's static rules (bpf_check_classic) that matter for programs we build. */
    static void check(final CbpfProgram program) {
        final int n = program.size();
        if (n == 0 || n > CbpfProgram.MAX_INSTRUCTIONS) {
            throw new IllegalStateException("length " + n);
        }
        for (int pc = 0; pc < n; pc++) {
            final int code = program.code(pc);
            final int k = program.value(pc);
            switch (code & 0x07) {
                case CbpfProgram.JMP -> {
                    if ((code & 0xf0) == CbpfProgram.JA) {
                        if (Integer.toUnsignedLong(k) >= n - pc - 1) {
                            throw new IllegalStateException("ja out of range at " + pc);
                        }
                    } else if (pc + 1 + program.jumpTrue(pc) >= n || pc + 1 + program.jumpFalse(pc) >= n) {
                        throw new IllegalStateException("jump out of range at " + pc);
                    }
                }
                case CbpfProgram.ALU -> {
                    final int op = code & 0xf0;
                    if ((code & CbpfProgram.X) == 0 && (op == 0x30 || op == CbpfProgram.MOD) && k == 0) {
                        throw new IllegalStateException("division by constant 0 at " + pc);
                    }
                }
                case CbpfProgram.ST, 0x03 -> {
                    if (k < 0 || k >= 16) {
                        throw new IllegalStateException("scratch index " + k + " at " + pc);
                    }
                }
                default -> {
                    if ((code & 0x07) <= CbpfProgram.LDX && (code & 0xe0) == CbpfProgram.MEM && (k < 0 || k >= 16)) {
                        throw new IllegalStateException("scratch index " + k + " at " + pc);
                    }
                }
            }
        }
        if ((program.code(n - 1) & 0x07) != CbpfProgram.RET) {
            throw new IllegalStateException("no return at the end");
        }
    }
}
