package io.fulcrum.forwarder.io.xdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fulcrum.forwarder.io.sys.NetNamespace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What happens to the XDP program when the process holding it dies, and how a leftover is reported. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class XdpLifecycleTest {
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

    @Test
    void killingTheProcessThatHoldsTheLinkDetachesTheProgram() throws Exception {
        final Process child = startHolder("NATIVE", "LINK");
        try {
            assertThat(awaitAttached(child)).contains("native (drv) via bpf_link");
            assertThat(network.lbHasXdp()).isTrue();
        } finally {
            VethNetwork.kill(child);
        }
        assertThat(child.exitValue()).isEqualTo(137);
        assertThat(awaitNoXdp(5_000)).as("program gone after kill -9: " + network.lbLinkDetails()).isTrue();
        try (XdpPacketIo port = openLb(XdpConfiguration.Mode.NATIVE, XdpConfiguration.Attach.AUTO)) {
            assertThat(port.attachDescription()).contains("bpf_link");
        }
    }

    @Test
    void aLeftoverProgramIsReportedWithTheCommandThatRemovesIt() throws Exception {
        // A netlink attachment survives kill -9: that is the leftover case.
        final Process child = startHolder("NATIVE", "NETLINK");
        try {
            assertThat(awaitAttached(child)).contains("native (drv) via netlink");
        } finally {
            VethNetwork.kill(child);
        }
        assertThat(network.lbHasXdp()).isTrue();
        try {
            assertThatThrownBy(() -> openLb(XdpConfiguration.Mode.AUTO, XdpConfiguration.Attach.AUTO))
                .isInstanceOf(XdpSetupException.class)
                .hasMessageContaining("Device or resource busy")
                .hasMessageContaining("ip link set dev fxl0 xdp off")
                .hasMessageContaining("xdpgeneric off");
            assertThatThrownBy(() -> openLb(XdpConfiguration.Mode.GENERIC, XdpConfiguration.Attach.AUTO))
                .isInstanceOf(XdpSetupException.class)
                .hasMessageContaining("other mode");
        } finally {
            VethNetwork.run("ip", "-n", network.lb, "link", "set", "dev", VethNetwork.LB_IF, "xdp", "off");
        }
        assertThat(network.lbHasXdp()).isFalse();
        try (XdpPacketIo port = openLb(XdpConfiguration.Mode.AUTO, XdpConfiguration.Attach.AUTO)) {
            assertThat(port.program().attachedMode()).isEqualTo(XdpConfiguration.Mode.NATIVE);
        }
        assertThat(network.lbHasXdp()).isFalse();
    }

    private XdpPacketIo openLb(final XdpConfiguration.Mode mode, final XdpConfiguration.Attach attach) {
        try (NetNamespace ignored = NetNamespace.enter(network.lb)) {
            return XdpPacketIo.open(XdpConfiguration.defaults(VethNetwork.LB_IF).withFrames(256, 2048).withMode(mode)
                .withAttach(attach).withOwnedAddresses(VethNetwork.VIP));
        }
    }

    private Process startHolder(final String mode, final String attach) throws IOException {
        final String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        return new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx64m", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), XdpHolderMain.class.getName(), network.lb, VethNetwork.LB_IF,
            mode, attach)).redirectErrorStream(true).start();
    }

    private static String awaitAttached(final Process child) throws Exception {
        final CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            final StringBuilder output = new StringBuilder();
            try {
                final BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
                String text;
                while ((text = reader.readLine()) != null) {
                    if (text.startsWith("ATTACHED ")) {
                        return text;
                    }
                    output.append(text).append('\n');
                }
            } catch (final IOException e) {
                output.append(e);
            }
            return "child ended without attaching:\n" + output;
        });
        return line.get(30, TimeUnit.SECONDS);
    }

    private boolean awaitNoXdp(final long timeoutMs) {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (System.nanoTime() < deadline) {
            if (!network.lbHasXdp()) {
                return true;
            }
            XdpPacketIoTest.sleepMs(20);
        }
        return false;
    }
}
