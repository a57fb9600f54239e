package io.fulcrum.forwarder.io.xdp;

import static io.fulcrum.forwarder.io.xdp.VethNetwork.LB_IF;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.LB_IP;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.LB_MAC;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.OTHER_VIP;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.PEER_IP;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.PEER_MAC;
import static io.fulcrum.forwarder.io.xdp.VethNetwork.VIP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fulcrum.forwarder.io.FrameBatch;
import io.fulcrum.forwarder.io.sys.NetNamespace;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * AF_XDP ports on a veth pair between two network namespaces, in native and generic XDP mode: what the
 * program redirects, what it leaves to the kernel, transmit, detach on close and re-open.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class XdpPacketIoTest {
    private VethNetwork network;

    @BeforeAll
    void createNetwork() {
        network = VethNetwork.create();
    }

    @AfterAll
    void deleteNetwork() {
        if (network != null) {
            network.close();
        }
    }

    private XdpPacketIo openLb(final XdpConfiguration configuration) {
        try (NetNamespace ignored = NetNamespace.enter(network.lb)) {
            return XdpPacketIo.open(configuration);
        }
    }

    private static XdpConfiguration config(final XdpConfiguration.Mode mode) {
        return XdpConfiguration.defaults(LB_IF).withFrames(1024, 2048).withMode(mode).withOwnedAddresses(VIP);
    }

    @ParameterizedTest
    @EnumSource(value = XdpConfiguration.Mode.class, names = {"NATIVE", "GENERIC"})
    void arpAndIcmpForAnOwnedAddressReachTheSocketAndAnArpReplyReachesThePeer(final XdpConfiguration.Mode mode) {
        network.inPeer("ip", "neigh", "flush", "dev", VethNetwork.PEER_IF);
        try (XdpPacketIo port = openLb(config(mode))) {
            assertThat(port.program().attachedMode()).isEqualTo(mode);
            assertThat(port.name()).contains(mode == XdpConfiguration.Mode.NATIVE ? " drv " : " skb ").contains("copy");
            assertThat(port.macAddress()).isEqualTo(LB_MAC);
            assertThat(port.mtu()).isEqualTo(1500);
            assertThat(network.lbLinkDetails()).contains(mode == XdpConfiguration.Mode.NATIVE ? " xdp " : " xdpgeneric ")
                .contains("name fulcrum_xdp");

            // The peer's kernel resolves the VIP (ARP request), then sends the echo requests.
            final Process ping = network.startInPeer("ping", "-c", "4", "-i", "0.3", "-W", "1", "-s", "8", "-p", "a5",
                "198.18.0.100");
            try {
                final FrameBatch batch = new FrameBatch(64);
                final byte[] arp = receiveFirst(port, batch, frame -> etherType(frame) == 0x0806, 5_000);
                assertThat(arp).isEqualTo(TestFrames.arpRequest(PEER_MAC, PEER_IP, VIP));

                final byte[] reply = TestFrames.arpReply(LB_MAC, VIP, PEER_MAC, PEER_IP);
                transmitAndComplete(port, reply);
                assertThat(network.inPeer("ip", "neigh", "show", "198.18.0.100")).contains("lladdr 02:00:00:00:00:01");

                final byte[] echo = receiveFirst(port, batch, frame -> etherType(frame) == 0x0800 && frame[23] == 1, 5_000);
                assertIcmpEcho(echo);
                assertThat(port.kernelDrops()).isZero();
            } finally {
                VethNetwork.kill(ping);
            }
        }
        assertThat(network.lbHasXdp()).isFalse();
    }

    private static void assertIcmpEcho(final byte[] frame) {
        assertThat(frame).hasSize(14 + 20 + 8 + 8);
        assertThat(mac(frame, 0)).isEqualTo(LB_MAC);
        assertThat(mac(frame, 6)).isEqualTo(PEER_MAC);
        assertThat(frame[14]).isEqualTo((byte) 0x45);
        assertThat(((frame[16] & 0xff) << 8) | (frame[17] & 0xff)).isEqualTo(36);
        assertThat(frame[23]).isEqualTo((byte) 1);
        assertThat(intAt(frame, 26)).isEqualTo(PEER_IP);
        assertThat(intAt(frame, 30)).isEqualTo(VIP);
        assertThat(TestFrames.checksum(frame, 14, 20, 0)).as("IPv4 header checksum").isZero();
        assertThat(frame[34]).as("ICMP echo request").isEqualTo((byte) 8);
        assertThat(frame[35]).isZero();
        assertThat(TestFrames.checksum(frame, 34, 16, 0)).as("ICMP checksum").isZero();
        // iputils writes the -p pattern once at the start of a payload too short for its timestamp
        assertThat(frame[42]).as("ping -p a5 payload").isEqualTo((byte) 0xa5);
    }

    @ParameterizedTest
    @EnumSource(value = XdpConfiguration.Mode.class, names = {"NATIVE", "GENERIC"})
    void udpDatagramTransmittedThroughTheSocketReachesAPeerSocket(final XdpConfiguration.Mode mode) throws Exception {
        final DatagramSocket receiver;
        try (NetNamespace ignored = NetNamespace.enter(network.peer)) {
            receiver = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("198.18.0.2"), 0));
        }
        try (receiver; XdpPacketIo port = openLb(config(mode))) {
            receiver.setSoTimeout(3_000);
            final byte[] payload = ("hello from " + port.name()).getBytes(StandardCharsets.US_ASCII);
            final byte[] frame = TestFrames.udp(LB_MAC, PEER_MAC, VIP, PEER_IP, 4242, receiver.getLocalPort(), payload);
            transmitAndComplete(port, frame);
            final DatagramPacket packet = new DatagramPacket(new byte[1500], 1500);
            try {
                receiver.receive(packet);
            } catch (final SocketTimeoutException e) {
                throw new AssertionError("datagram did not arrive; peer counters: " + network.inPeer("ip", "-s", "link"), e);
            }
            assertThat(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII))
                .isEqualTo("hello from " + port.name());
            assertThat(packet.getAddress().getHostAddress()).isEqualTo("198.18.0.100");
            assertThat(packet.getPort()).isEqualTo(4242);
        }
    }

    @ParameterizedTest
    @EnumSource(value = XdpConfiguration.Mode.class, names = {"NATIVE", "GENERIC"})
    void trafficForTheKernelAddressStillReachesTheKernel(final XdpConfiguration.Mode mode) {
        network.inPeer("ip", "neigh", "flush", "dev", VethNetwork.PEER_IF);
        try (XdpPacketIo port = openLb(config(mode))) {
            final String output = network.inPeer("ping", "-c", "2", "-i", "0.2", "-W", "2", "198.18.0.1");
            assertThat(output).contains("2 received");
            final FrameBatch batch = new FrameBatch(64);
            int received = 0;
            for (int i = 0; i < 100; i++) {
                received += port.receive(batch);
                port.releaseRx(batch);
            }
            assertThat(received).as("frames for 198.18.0.1 (ARP, ICMP) must not reach the socket").isZero();
            assertThat(port.kernelDrops()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = XdpConfiguration.Mode.class, names = {"NATIVE", "GENERIC"})
    void closeDetachesTheProgramAndReopeningWorksAtOnce(final XdpConfiguration.Mode mode) {
        for (int round = 0; round < 3; round++) {
            final XdpPacketIo port = openLb(config(mode));
            try {
                assertThat(network.lbHasXdp()).isTrue();
                assertThat(port.program().attachedByLink()).isTrue();
                assertThat(port.attachDescription()).contains("bpf_link");
            } finally {
                port.close();
                port.close();
            }
            assertThat(network.lbHasXdp()).as("round " + round).isFalse();
        }
    }

    @Test
    void netlinkAttachDetachesOnClose() {
        final XdpPacketIo port = openLb(config(XdpConfiguration.Mode.GENERIC).withAttach(XdpConfiguration.Attach.NETLINK));
        try {
            assertThat(port.attachDescription()).contains("netlink");
            assertThat(port.program().attachedByLink()).isFalse();
            assertThat(network.lbLinkDetails()).contains(" xdpgeneric ");
        } finally {
            port.close();
        }
        assertThat(network.lbHasXdp()).isFalse();
    }

    @Test
    void autoModeChoosesNativeOnVethAndSharesTheProgramBetweenPorts() {
        try (XdpPacketIo first = openLb(config(XdpConfiguration.Mode.AUTO))) {
            assertThat(first.program().attachedMode()).isEqualTo(XdpConfiguration.Mode.NATIVE);
            assertThat(first.attachDescription()).startsWith("native (drv) via bpf_link");
            // A second socket on the same queue is refused by the kernel, with a message saying so.
            assertThatThrownBy(() -> openLb(config(XdpConfiguration.Mode.AUTO)))
                .isInstanceOf(XdpSetupException.class)
                .hasMessageContaining("bind(AF_XDP) to fxl0 queue 0");
            assertThat(network.lbHasXdp()).as("the failed second port must not detach the first's program").isTrue();
        }
        assertThat(network.lbHasXdp()).isFalse();
    }

    @Test
    void zeroCopyIsRefusedOnVethWithAClearMessageAndAutoFallsBackToCopy() {
        assertThatThrownBy(() -> openLb(config(XdpConfiguration.Mode.NATIVE).withZeroCopy(XdpConfiguration.ZeroCopy.ON)))
            .isInstanceOf(XdpSetupException.class)
            .hasMessageContaining("Operation not supported")
            .hasMessageContaining("zero-copy");
        assertThat(network.lbHasXdp()).isFalse();
        try (XdpPacketIo port = openLb(config(XdpConfiguration.Mode.NATIVE).withZeroCopy(XdpConfiguration.ZeroCopy.AUTO))) {
            assertThat(port.zeroCopy()).isFalse();
        }
    }

    @Test
    void programClassifiesFramesAndFollowsOwnedAddressUpdates() {
        try (XdpPacketIo port = openLb(config(XdpConfiguration.Mode.NATIVE))) {
            final int prog = port.program().progFd();
            final int redirect = XdpRedirectProgram.XDP_REDIRECT;
            final int pass = XdpRedirectProgram.XDP_PASS;
            final byte[] udpToVip = TestFrames.udp(PEER_MAC, LB_MAC, PEER_IP, VIP, 1, 2, new byte[4]);
            final byte[] udpToOther = TestFrames.udp(PEER_MAC, LB_MAC, PEER_IP, OTHER_VIP, 1, 2, new byte[4]);
            final byte[] udpToKernel = TestFrames.udp(PEER_MAC, LB_MAC, PEER_IP, LB_IP, 1, 2, new byte[4]);
            final byte[] arpForVip = TestFrames.arpRequest(PEER_MAC, PEER_IP, VIP);
            final byte[] arpForKernel = TestFrames.arpRequest(PEER_MAC, PEER_IP, LB_IP);
            final byte[] arpReplyToVip = TestFrames.arpReply(PEER_MAC, PEER_IP, LB_MAC, VIP);
            final byte[] arpBadProtocol = TestFrames.arpRequest(PEER_MAC, PEER_IP, VIP);
            arpBadProtocol[17] = 0x06;
            final byte[] truncatedIpv4 = java.util.Arrays.copyOf(udpToVip, 30);
            final byte[] truncatedArp = java.util.Arrays.copyOf(arpForVip, 40);
            final byte[] notVersion4 = udpToVip.clone();
            notVersion4[14] = 0x65;

            assertThat(Bpf.testRunXdp(prog, udpToVip)).isEqualTo(redirect);
            assertThat(Bpf.testRunXdp(prog, arpForVip)).isEqualTo(redirect);
            assertThat(Bpf.testRunXdp(prog, arpReplyToVip)).isEqualTo(redirect);
            assertThat(Bpf.testRunXdp(prog, udpToOther)).isEqualTo(pass);
            assertThat(Bpf.testRunXdp(prog, udpToKernel)).isEqualTo(pass);
            assertThat(Bpf.testRunXdp(prog, arpForKernel)).isEqualTo(pass);
            assertThat(Bpf.testRunXdp(prog, arpBadProtocol)).isEqualTo(pass);
            assertThat(Bpf.testRunXdp(prog, truncatedIpv4)).isEqualTo(pass);
            assertThat(Bpf.testRunXdp(prog, truncatedArp)).isEqualTo(pass);
            assertThat(Bpf.testRunXdp(prog, notVersion4)).isEqualTo(pass);
            assertThat(Bpf.testRunXdp(prog, TestFrames.ipv6(PEER_MAC, LB_MAC))).isEqualTo(pass);

            port.updateOwnedAddresses(new int[] {OTHER_VIP, LB_IP});
            assertThat(port.program().ownedAddresses()).containsExactly(LB_IP, OTHER_VIP);
            assertThat(Bpf.testRunXdp(prog, udpToVip)).isEqualTo(pass);
            assertThat(Bpf.testRunXdp(prog, udpToOther)).isEqualTo(redirect);
            assertThat(Bpf.testRunXdp(prog, arpForKernel)).isEqualTo(redirect);

            port.updateOwnedAddresses(new int[0]);
            assertThat(port.program().ownedAddresses()).isEmpty();
            assertThat(Bpf.testRunXdp(prog, udpToOther)).isEqualTo(pass);
        }
    }

    // ---- helpers ----

    static byte[] receiveFirst(final XdpPacketIo port, final FrameBatch batch, final Predicate<byte[]> wanted,
                               final long timeoutMs) {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        final List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            final int count = port.receive(batch);
            byte[] match = null;

            for (int i = 0; i < count; i++) {
                final byte[] frame = batch.memory().asSlice(batch.offset(i), batch.length(i)).toArray(ValueLayout.JAVA_BYTE);
                if (match == null && wanted.test(frame)) {
                    match = frame;
                } else {
                    seen.add("ethertype " + Integer.toHexString(etherType(frame)) + " length " + frame.length);
                }
            }
            port.releaseRx(batch);
            if (match != null) {
                return match;
            }
            if (count == 0) {
                sleepMs(1);
            }
        }
        throw new AssertionError("no matching frame within " + timeoutMs + " ms; other frames: " + seen);
    }

    static void transmitAndComplete(final XdpPacketIo port, final byte[] frame) {
        final int freeBefore = port.freeTransmitFrames();
        assertThat(port.transmit(MemorySegment.ofArray(frame), 0, frame.length)).isTrue();
        final long deadline = System.nanoTime() + 2_000_000_000L;
        while (port.freeTransmitFrames() < freeBefore && System.nanoTime() < deadline) {
            port.flush();
            sleepMs(1);
        }
        assertThat(port.freeTransmitFrames()).as("transmit completed").isEqualTo(freeBefore);
    }

    static int etherType(final byte[] frame) {
        return ((frame[12] & 0xff) << 8) | (frame[13] & 0xff);
    }

    private static long mac(final byte[] frame, final int offset) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = mac << 8 | (frame[offset + i] & 0xff);
        }
        return mac;
    }

    private static int intAt(final byte[] frame, final int offset) {
        return ((frame[offset] & 0xff) << 24) | ((frame[offset + 1] & 0xff) << 16) | ((frame[offset + 2] & 0xff) << 8)
            | (frame[offset + 3] & 0xff);
    }

    static void sleepMs(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
