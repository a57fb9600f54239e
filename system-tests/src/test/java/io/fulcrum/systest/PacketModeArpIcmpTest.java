package io.fulcrum.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The foundation's acceptance test: in the namespace lab, the client's ARP requests and pings to the
 * VIP are answered by Fulcrum in packet mode (the VIP is on no kernel interface), for each packet I/O.
 */
class PacketModeArpIcmpTest {
    private static Lab lab;

    @BeforeAll
    static void up() {
        lab = Lab.up(2);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @ParameterizedTest(name = "io {0}")
    @ValueSource(strings = {"af_xdp", "af_packet", "auto"})
    void arpAndPingToTheVipAreAnsweredByFulcrum(final String io) throws Exception {
        final Path work = Files.createTempDirectory("fulcrum-arp-" + io);
        final Path runDir = work.resolve("run");
        final Path config = work.resolve("lab.yaml");
        Files.writeString(config, Files.readString(Lab.root().resolve("examples/lab.yaml"))
            .replaceAll("(?m)^(\\s*io:).*$", "$1 " + io)
            .replaceAll("(?m)^(\\s*run-dir:).*$", "$1 " + runDir));
        // no stale entry may answer for Fulcrum
        lab.exec("client", Duration.ofSeconds(5), "ip", "neigh", "flush", "dev", "eth0");
        final String lbMac = lab.exec("lb", Duration.ofSeconds(5), "cat", "/sys/class/net/cli0/address").stdout().trim();

        try (FulcrumProcess fulcrum = FulcrumProcess.start(lab.ns("lb"), config, runDir, Duration.ofSeconds(60))) {
            try {
                // auto must pick AF_XDP where it works (it does on veth, in copy mode) and say so
                assertThat(fulcrum.output()).contains(io.equals("auto") ? "io af_xdp" : "io " + io);

                final Lab.Result arping = lab.exec("client", Duration.ofSeconds(15),
                    "arping", "-c", "3", "-w", "5", "-i", "eth0", "198.18.0.100");
                assertThat(arping.ok()).as(arping.toString()).isTrue();
                assertThat(arping.stdout()).contains("from " + lbMac + " (198.18.0.100)");

                final Lab.Result ping = lab.exec("client", Duration.ofSeconds(15),
                    "ping", "-c", "5", "-i", "0.2", "-W", "2", "198.18.0.100");
                assertThat(ping.ok()).as(ping.toString()).isTrue();
                assertThat(ping.stdout()).contains("5 packets transmitted, 5 received");

                final Lab.Result neigh = lab.exec("client", Duration.ofSeconds(5), "ip", "neigh", "show", "198.18.0.100");
                assertThat(neigh.stdout()).contains("lladdr " + lbMac);

                // a backend pings Fulcrum's address on the server side
                final Lab.Result backendPing = lab.exec("b1", Duration.ofSeconds(15),
                    "ping", "-c", "2", "-i", "0.2", "-W", "2", "198.18.1.100");
                assertThat(backendPing.stdout()).as(backendPing.toString()).contains("2 packets transmitted, 2 received");

                // the kernel of the LB namespace did not answer: Fulcrum's counters account for every reply
                final String stats = fulcrum.stats();
                assertThat(counter(stats, "agent-0 event icmp-echo-replied")).isGreaterThanOrEqualTo(7);
                assertThat(counter(stats, "agent-0 event arp-replied")).isGreaterThanOrEqualTo(3);
                assertThat(counter(stats, "agent-0 tx frames")).isGreaterThanOrEqualTo(10);
            } catch (final AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n--- fulcrum output:\n" + fulcrum.output()
                    + "\n--- fulcrum stats:\n" + fulcrum.stats(), e);
            }
            assertThat(fulcrum.stop()).isZero();
            assertThat(fulcrum.output()).contains("fulcrum: stopped");
        }
    }

    static long counter(final String stats, final String label) {
        final Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(label) + "\\s+([0-9,]+)\\s*$").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
    }
}
