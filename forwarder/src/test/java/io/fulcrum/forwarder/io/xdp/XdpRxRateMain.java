package io.fulcrum.forwarder.io.xdp;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.sys.NetNamespace;
import io.fulcrum.forwarder.io.sys.Syscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Quick AF_XDP receive-rate measurement (not a test): trafgen in the peer namespace (pinned to CPU 0)
 * sends 60-byte UDP frames to an owned VIP; this JVM's main thread (pinned to CPU 1) receives them through
 * an {@link XdpPacketIo} and returns them to the fill ring. Prints offered pps (peer tx_packets), received
 * pps and kernel drops over the measured window. Needs root and trafgen (Debian netsniff-ng).
 *
 * <pre>
 *   scripts/build.sh -q -pl forwarder -am test-compile
 *   java --enable-native-access=ALL-UNNAMED -cp forwarder/target/classes:forwarder/target/test-classes \
 *       io.fulcrum.forwarder.io.xdp.XdpRxRateMain NATIVE 3 6 40   # mode, warm-up s, measured s, SCHED_FIFO prio (0 = off)
 * </pre>
 */
public final class XdpRxRateMain {
    private XdpRxRateMain() {
    }

    public static void main(final String[] args) throws Exception {
        final XdpConfiguration.Mode mode = XdpConfiguration.Mode.valueOf(args.length > 0 ? args[0] : "NATIVE");
        final int warmUpSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        final int measuredSeconds = Math.min(args.length > 2 ? Integer.parseInt(args[2]) : 6, 30);
        final int fifoPriority = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        try (VethNetwork network = VethNetwork.create(); Arena arena = Arena.ofConfined()) {
            network.inPeer("ip", "neigh", "replace", "198.18.0.100", "lladdr", "02:00:00:00:00:01", "dev", VethNetwork.PEER_IF);
            final Path config = Files.createTempFile("fulcrum-trafgen", ".cfg");
            Files.writeString(config, "{ eth(da=02:00:00:00:00:01, sa=02:00:00:00:00:02), ipv4(saddr=198.18.0.2, "
                + "daddr=198.18.0.100, ttl=64), udp(sport=dinc(1024, 65000), dport=9), fill(0x41, 18) }\n",
                StandardCharsets.US_ASCII);
            final MemorySegment callState = Syscalls.newCallState(arena);
            if (Syscalls.pinCurrentThread(callState, 1) != 0) {
                System.out.println("could not pin to CPU 1: " + Syscalls.describe(Syscalls.errno(callState)));
            }
            // SCHED_FIFO keeps other load on a shared box off the receiver's core; the veth softirq that feeds
            // the socket runs on the sender's core (CPU 0), so a spinning RT receiver on CPU 1 starves nothing it needs.
            if (fifoPriority > 0 && Syscalls.setFifoPriority(callState, fifoPriority) != 0) {
                System.out.println("could not set SCHED_FIFO: " + Syscalls.describe(Syscalls.errno(callState)));
            }
            final XdpPacketIo port;
            try (NetNamespace ignored = NetNamespace.enter(network.lb)) {
                port = XdpPacketIo.open(XdpConfiguration.defaults(VethNetwork.LB_IF).withMode(mode)
                    .withOwnedAddresses(VethNetwork.VIP));
            }
            final int totalSeconds = warmUpSeconds + measuredSeconds + 2;
            final Process trafgen = new ProcessBuilder("taskset", "-c", "0", "ip", "netns", "exec", network.peer, "timeout",
                String.valueOf(totalSeconds), "trafgen", "--no-sock-mem", "--notouch-irq", "-C", "-P", "1", "--dev",
                VethNetwork.PEER_IF, "--conf", config.toString(), "-n", "200000000")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (port) {
                final FrameBatch batch = new FrameBatch(64);
                spin(port, batch, warmUpSeconds * 1_000_000_000L);
                final long offeredBefore = peerTxPackets(network);
                final long dropsBefore = port.kernelDrops();
                final long start = System.nanoTime();
                final long received = spin(port, batch, measuredSeconds * 1_000_000_000L);
                final double seconds = (System.nanoTime() - start) / 1e9;
                final long offered = peerTxPackets(network) - offeredBefore;
                final long drops = port.kernelDrops() - dropsBefore;
                System.out.printf("%s (%s, fifo %d): offered %.0f pps, received %.0f pps, kernel drops %d (%.1f s window)%n",
                    port.name(), port.attachDescription(), fifoPriority, offered / seconds, received / seconds, drops, seconds);
            } finally {
                VethNetwork.kill(trafgen);
                Files.deleteIfExists(config);
            }
        }
    }

    private static long spin(final XdpPacketIo port, final FrameBatch batch, final long durationNs) {
        final long deadline = System.nanoTime() + durationNs;
        long received = 0;
        long iterations = 0;
        while ((++iterations & 0xff) != 0 || System.nanoTime() < deadline) {
            received += port.receive(batch);
            port.releaseRx(batch);
        }
        return received;
    }

    private static long peerTxPackets(final VethNetwork network) {
        return Long.parseLong(network.inPeer("cat", "/sys/class/net/" + VethNetwork.PEER_IF + "/statistics/tx_packets").strip());
    }
}
