package io.fulcrum.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real binary refuses to run AF_PACKET packet mode on a kernel that would also forward or answer
 * for Fulcrum's addresses, and prints the command that fixes it; a bad config starts nothing.
 */
class StartupChecksTest {
    private static Lab lab;

    @BeforeAll
    static void up() {
        lab = Lab.up(1);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    private static Path config(final String io, final Path runDir) throws Exception {
        final Path config = Files.createTempFile("fulcrum-checks", ".yaml");
        Files.writeString(config, Files.readString(Lab.root().resolve("examples/lab.yaml"))
            .replaceAll("(?m)^(\\s*io:).*$", "$1 " + io)
            .replaceAll("(?m)^(\\s*run-dir:).*$", "$1 " + runDir));
        return config;
    }

    @Test
    void ipForwardingInTheLbNamespaceIsRefusedWithTheFix() throws Exception {
        final Path runDir = Files.createTempDirectory("fulcrum-checks-run");
        lab.exec("lb", Duration.ofSeconds(5), "sysctl", "-qw", "net.ipv4.ip_forward=1");
        try {
            assertThatThrownBy(() -> FulcrumProcess.start(lab.ns("lb"), config("af_packet", runDir), runDir,
                Duration.ofSeconds(60)).close())
                .hasMessageContaining("ip_forward")
                .hasMessageContaining("sysctl -w net.ipv4.ip_forward=0")
                .hasMessageContaining("fulcrum: cannot start");
        } finally {
            lab.exec("lb", Duration.ofSeconds(5), "sysctl", "-qw", "net.ipv4.ip_forward=0");
        }
    }

    @Test
    void aVipConfiguredOnAKernelInterfaceIsRefusedWithTheFix() throws Exception {
        final Path runDir = Files.createTempDirectory("fulcrum-checks-run");
        lab.exec("lb", Duration.ofSeconds(5), "ip", "addr", "add", "198.18.0.100/24", "dev", "cli0");
        try {
            assertThatThrownBy(() -> FulcrumProcess.start(lab.ns("lb"), config("af_packet", runDir), runDir,
                Duration.ofSeconds(60)).close())
                .hasMessageContaining("198.18.0.100")
                .hasMessageContaining("ip addr del 198.18.0.100/24 dev cli0");
        } finally {
            lab.exec("lb", Duration.ofSeconds(5), "ip", "addr", "del", "198.18.0.100/24", "dev", "cli0");
        }
    }

    @Test
    void aBrokenConfigStartsNothing() throws Exception {
        final Path runDir = Files.createTempDirectory("fulcrum-checks-run");
        final Path config = Files.createTempFile("fulcrum-broken", ".yaml");
        Files.writeString(config, Files.readString(config("af_packet", runDir)).replace("batch-size: 64", "batch-size: 3")
            .replace("agents: 1", "agents: 1\n  batch-size: 5000"));
        assertThatThrownBy(() -> FulcrumProcess.start(lab.ns("lb"), config, runDir, Duration.ofSeconds(60)).close())
            .hasMessageContaining(config + ":")
            .hasMessageContaining("dataplane.batch-size: must be between 1 and 1024, got 5000")
            .hasMessageContaining("refused, nothing started");
        assertThat(runDir.resolve("counters.dat")).doesNotExist();
    }
}
