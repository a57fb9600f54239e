package io.fulcrum.bench.packet;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.PacketIo;
import io.fulcrum.forwarder.io.afpacket.AfPacketConfiguration;
import io.fulcrum.forwarder.io.afpacket.AfPacketIo;
import io.fulcrum.forwarder.io.xdp.XdpConfiguration;
import io.fulcrum.forwarder.io.xdp.XdpPacketIo;
import io.fulcrum.forwarder.io.sys.Syscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * L2 forwarding benchmark over a {@link PacketIo}: receives on port A, rewrites the destination and source MAC,
 * transmits on port B (or, in reflect mode, swaps the MACs and sends the frame back out of A). It measures the
 * forwarded frames per second and the forwarder thread's CPU time per frame over a window that opens
 * {@code --warmup} seconds after the first frame and lasts {@code --seconds}, then prints one JSON line.
 * Driven by {@code scripts/bench-l2.sh}; not a unit test.
 *
 * <pre>
 *   java ... io.fulcrum.bench.packet.L2Forwarder --io af_packet --in f0 --out f1 --dst-mac 02:00:00:00:0b:01 \
 *        --warmup 2 --seconds 5 --cpu 1 [--fifo 40] [--idle poll|spin] [--batch 64] [--frames 4096]
 *   java ... io.fulcrum.bench.packet.L2Forwarder --io af_packet --in f0 --reflect --seconds 5
 * </pre>
 *
 * <p>The duty cycle is the agent's: receive a batch, rewrite in place, transmit, release, one flush (one kick)
 * per batch; when idle it polls the RX fd for 1 ms (default) so that idle time is not counted as CPU per frame.
 */
public final class L2Forwarder {
    private static final long NS_PER_SECOND = 1_000_000_000L;
    private static final long NO_FRAME_TIMEOUT_NS = 15 * NS_PER_SECOND;

    private L2Forwarder() {
    }

    /**
     * Opens one port. For {@code af_xdp} the XDP program redirects only frames whose IPv4 destination is in
     * {@code owned} (everything else goes to the kernel), so the benchmark names the destination it forwards.
     */
    static PacketIo open(final String io, final String interfaceName, final int frames, final int[] owned) {
        return switch (io) {
            case "af_packet" -> AfPacketIo.open(AfPacketConfiguration.of(interfaceName)
                .withRing(frames, AfPacketConfiguration.DEFAULT_FRAME_SIZE));
            case "af_xdp" -> XdpPacketIo.open(XdpConfiguration.defaults(interfaceName)
                .withFrames(frames, 2048).withOwnedAddresses(owned));
            default -> throw new IllegalArgumentException("unknown --io '" + io + "' (supported: af_packet, af_xdp)");
        };
    }

    private static int[] ipv4List(final String text) {
        if (text == null || text.isBlank()) {
            return new int[0];
        }
        return java.util.Arrays.stream(text.split(",")).mapToInt(a -> {
            final String[] b = a.trim().split("\\.");
            return (Integer.parseInt(b[0]) << 24) | (Integer.parseInt(b[1]) << 16) | (Integer.parseInt(b[2]) << 8)
                | Integer.parseInt(b[3]);
        }).toArray();
    }

    public static void main(final String[] args) throws Exception {
        final Map<String, String> options = parse(args);
        final String io = options.getOrDefault("io", "af_packet");
        final String in = required(options, "in");
        final boolean reflect = options.containsKey("reflect");
        final String out = reflect ? in : required(options, "out");
        final double warmupSeconds = Double.parseDouble(options.getOrDefault("warmup", "1"));
        final double seconds = Double.parseDouble(options.getOrDefault("seconds", "5"));
        final int batchSize = Integer.parseInt(options.getOrDefault("batch", "64"));
        final int frames = Integer.parseInt(options.getOrDefault("frames", "4096"));
        final int cpu = Integer.parseInt(options.getOrDefault("cpu", "-1"));
        final int fifo = Integer.parseInt(options.getOrDefault("fifo", "0"));
        final boolean spin = "spin".equals(options.getOrDefault("idle", "poll"));

        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(arena);
            if (cpu >= 0 && Syscalls.pinCurrentThread(state, cpu) != 0) {
                throw new IllegalStateException("cannot pin to CPU " + cpu + ": " + Syscalls.describe(Syscalls.errno(state)));
            }
            if (fifo > 0 && Syscalls.setFifoPriority(state, fifo) != 0) {
                throw new IllegalStateException("cannot set SCHED_FIFO " + fifo + ": "
                    + Syscalls.describe(Syscalls.errno(state)));
            }
            final int[] owned = ipv4List(options.get("owned"));
            final PacketIo portA = open(io, in, frames, owned);
            final PacketIo portB = reflect ? portA : open(io, out, frames, new int[0]);
            try {
                final long dstMac = reflect ? 0 : parseMac(options.getOrDefault("dst-mac", "ff:ff:ff:ff:ff:ff"));
                final long srcMac = options.containsKey("src-mac") ? parseMac(options.get("src-mac")) : portB.macAddress();
                final MemorySegment header = arena.allocate(12);
                writeMac(header, 0, dstMac);
                writeMac(header, 6, srcMac);
                final MemorySegment pollFd = arena.allocate(Syscalls.POLLFD);
                pollFd.set(ValueLayout.JAVA_INT, 0, portA.pollFd());
                pollFd.set(ValueLayout.JAVA_SHORT, 4, Syscalls.POLLIN);
                System.err.println("l2fwd ready: " + portA.name() + " -> " + portB.name());

                final Result result = run(portA, portB, reflect, header, new FrameBatch(batchSize), state, pollFd, spin,
                    (long) (warmupSeconds * NS_PER_SECOND), (long) (seconds * NS_PER_SECOND));
                System.out.println(result.json(io, in, out, reflect, batchSize, cpu, fifo, spin,
                    portA.kernelDrops()));
                if (result.frames == 0) {
                    System.exit(2);
                }
            } finally {
                portA.close();
                portB.close();
            }
        }
    }

    /** Counters of the measured window. */
    private static final class Result {
        long frames;
        long txDrops;
        long kicks;
        long windowNs;
        long cpuNs;
        long kernelDropsAtStart;

        String json(final String io, final String in, final String out, final boolean reflect, final int batch,
                    final int cpu, final int fifo, final boolean spin, final long kernelDropsNow) {
            final double windowSeconds = windowNs / (double) NS_PER_SECOND;
            return String.format(Locale.ROOT,
                "{\"io\":\"%s\",\"in\":\"%s\",\"out\":\"%s\",\"mode\":\"%s\",\"batch\":%d,\"cpu\":%d,\"fifo\":%d,"
                    + "\"idle\":\"%s\",\"windowSeconds\":%.3f,\"frames\":%d,\"framesPerSecond\":%.0f,\"txDrops\":%d,"
                    + "\"rxKernelDrops\":%d,\"kicks\":%d,\"framesPerKick\":%.1f,\"cpuSeconds\":%.3f,\"cpuUtilization\":%.3f,"
                    + "\"cpuNsPerFrame\":%.1f}",
                io, in, out, reflect ? "reflect" : "forward", batch, cpu, fifo, spin ? "spin" : "poll", windowSeconds,
                frames, frames / Math.max(windowSeconds, 1e-9), txDrops, kernelDropsNow - kernelDropsAtStart, kicks,
                kicks == 0 ? 0.0 : frames / (double) kicks, cpuNs / 1e9, cpuNs / (double) Math.max(windowNs, 1),
                frames == 0 ? 0.0 : cpuNs / (double) frames);
        }
    }

    private static Result run(final PacketIo portA, final PacketIo portB, final boolean reflect, final MemorySegment header,
                              final FrameBatch batch, final MemorySegment state, final MemorySegment pollFd, final boolean spin,
                              final long warmupNs, final long windowNs) {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final Result result = new Result();
        final long startNs = System.nanoTime();
        long firstFrameNs = 0;
        long windowStartNs = Long.MAX_VALUE;
        long windowEndNs = Long.MAX_VALUE;
        long cpuAtWindowStart = 0;
        boolean measuring = false;
        long frames = 0;
        long txDrops = 0;
        long kicks = 0;
        while (true) {
            final long nowNs = System.nanoTime();
            if (!measuring && nowNs >= windowStartNs) {
                measuring = true;
                frames = 0;
                txDrops = 0;
                kicks = 0;
                cpuAtWindowStart = threads.getCurrentThreadCpuTime();
                result.kernelDropsAtStart = portA.kernelDrops();
                windowStartNs = nowNs;
                windowEndNs = nowNs + windowNs;
            }
            if (nowNs >= windowEndNs || (firstFrameNs == 0 && nowNs - startNs > NO_FRAME_TIMEOUT_NS)) {
                result.cpuNs = measuring ? threads.getCurrentThreadCpuTime() - cpuAtWindowStart : 0;
                result.windowNs = measuring ? nowNs - windowStartNs : 0;
                break;
            }
            final int received = portA.receive(batch);
            if (received == 0) {
                if (spin) {
                    Thread.onSpinWait();
                } else {
                    Syscalls.poll(state, pollFd, 1, 1);
                }
                continue;
            }
            if (firstFrameNs == 0) {
                firstFrameNs = nowNs;
                windowStartNs = nowNs + warmupNs;
            }
            final MemorySegment memory = batch.memory();
            for (int i = 0; i < received; i++) {
                final long offset = batch.offset(i);
                final int length = batch.length(i);
                if (length < 14 || (batch.flags(i) & FrameBatch.FLAG_TRUNCATED) != 0) {
                    txDrops++;
                    continue;
                }
                if (reflect) {
                    // dst <- src, src <- this port's MAC
                    MemorySegment.copy(memory, offset + 6, memory, offset, 6);
                    MemorySegment.copy(header, 6, memory, offset + 6, 6);
                } else {
                    MemorySegment.copy(header, 0, memory, offset, 12);
                }
                if (portB.transmit(memory, offset, length)) {
                    frames++;
                } else {
                    txDrops++;
                }
            }
            portA.releaseRx(batch);
            if (portB.flush() > 0) {
                kicks++;
            }
        }
        result.frames = frames;
        result.txDrops = txDrops;
        result.kicks = kicks;
        return result;
    }

    private static Map<String, String> parse(final String[] args) {
        final Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
            }
            final String key = args[i].substring(2);
            if ("reflect".equals(key)) {
                options.put(key, "true");
            } else if (i + 1 < args.length) {
                options.put(key, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + key + " needs a value");
            }
        }
        return options;
    }

    private static String required(final Map<String, String> options, final String key) {
        final String value = options.get(key);
        if (value == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return value;
    }

    static long parseMac(final String text) {
        final String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'");
        }
        long mac = 0;
        for (final String part : parts) {
            mac = mac << 8 | Integer.parseInt(part, 16);
        }
        return mac;
    }

    private static void writeMac(final MemorySegment target, final long offset, final long mac) {
        for (int i = 0; i < 6; i++) {
            target.set(ValueLayout.JAVA_BYTE, offset + i, (byte) (mac >>> (40 - 8 * i)));
        }
    }
}
