package io.fulcrum.control.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.DataplaneConfig;
import io.fulcrum.forwarder.io.afpacket.AfPacketChecks.Finding;
import io.fulcrum.forwarder.io.afpacket.AfPacketChecks.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel checks against fake /proc trees: each bad setting is found with its fix, good settings find nothing. */
class KernelChecksTest {
    @TempDir
    Path proc;

    private DataplaneConfig dataplane(final String io) throws Exception {
        return ConfigLoader.parse("node: {name: k}\ndataplane:\n  io: " + io + "\n  interfaces:\n    - name: lb0\n"
            + "      addresses: [198.18.0.1/24]\n", "k.yaml").dataplane();
    }

    private void write(final String relative, final String value) throws Exception {
        final Path file = proc.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, value + "\n");
    }

    private void conf(final String arpIgnore, final String arpAnnounce, final String rpFilter) throws Exception {
        write("sys/net/ipv4/conf/lb0/arp_ignore", arpIgnore);
        write("sys/net/ipv4/conf/lb0/arp_announce", arpAnnounce);
        write("sys/net/ipv4/conf/lb0/rp_filter", rpFilter);
    }

    @Test
    void defaultsGetWarningsWithTheirFixes() throws Exception {
        conf("0", "0", "1");
        final List<Finding> findings = KernelChecks.run(dataplane("af_packet"), proc);
        assertThat(findings).extracting(Finding::subject).containsExactly("net.ipv4.conf.lb0.arp_ignore",
            "net.ipv4.conf.lb0.arp_announce", "net.ipv4.conf.lb0.rp_filter");
        assertThat(findings).allMatch(f -> f.severity() == Severity.WARNING);
        assertThat(findings.get(0).fixCommand()).startsWith("sysctl -w net.ipv4.conf.lb0.arp_ignore=1");
        assertThat(findings.get(2).fixCommand()).startsWith("sysctl -w net.ipv4.conf.lb0.rp_filter=2");
    }

    @Test
    void tunedSettingsFindNothing() throws Exception {
        conf("1", "2", "2");
        write("sys/kernel/osrelease", "6.18.44");
        assertThat(KernelChecks.run(dataplane("af_xdp"), proc)).isEmpty();
    }

    @Test
    void oldKernelsNeedLockedMemoryForUmem() throws Exception {
        conf("1", "2", "0");
        write("sys/kernel/osrelease", "5.4.0-150-generic");
        write("self/limits", "Limit                     Soft Limit           Hard Limit           Units\n"
            + "Max locked memory         65536                65536                bytes\n");
        final List<Finding> xdp = KernelChecks.run(dataplane("af_xdp"), proc);
        assertThat(xdp).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.problem()).contains("is 65536 bytes but the AF_XDP UMEMs need 8388608 bytes on kernel 5.4.0");
            assertThat(f.fixCommand()).contains("ulimit -l unlimited");
        });
        assertThat(KernelChecks.run(dataplane("auto"), proc)).singleElement()
            .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.WARNING));
        assertThat(KernelChecks.run(dataplane("af_packet"), proc)).isEmpty();
        write("self/limits", "Max locked memory         unlimited            unlimited            bytes\n");
        assertThat(KernelChecks.run(dataplane("af_xdp"), proc)).isEmpty();
    }
}
