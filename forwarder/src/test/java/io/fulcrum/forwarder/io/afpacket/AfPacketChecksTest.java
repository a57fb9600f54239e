package io.fulcrum.forwarder.io.afpacket;

import static io.fulcrum.forwarder.io.afpacket.TestFrames.ipv4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fulcrum.forwarder.io.afpacket.AfPacketChecks.Finding;
import io.fulcrum.forwarder.io.afpacket.AfPacketChecks.Severity;
import io.fulcrum.forwarder.io.sys.NetNamespace;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link AfPacketChecks} against a real namespace (needs root): ns L holds the LB interface l0 (veth to p0 in
 * ns P); each test sets one kernel setting wrong, checks the finding and its fix, and sets it back.
 */
class AfPacketChecksTest {
    private static final int VIP = ipv4(198, 18, 7, 100);
    private static final int OTHER_VIP = ipv4(198, 18, 7, 101);

    private static VethLab lab;
    private static String nsLb;

    @BeforeAll
    static void createNamespaces() {
        lab = new VethLab();
        try {
            nsLb = lab.namespace("l");
            final String nsPeer = lab.namespace("p");
            lab.veth(nsLb, "l0", "02:00:00:00:07:01", nsPeer, "p0", "02:00:00:00:07:02");
            VethLab.run("ip", "-n", nsLb, "addr", "add", "198.18.7.254/24", "dev", "l0");
            lab.exec(nsLb, "sysctl", "-qw", "net.ipv4.ip_forward=0");
            lab.exec(nsLb, "ethtool", "-K", "l0", "gro", "off");
        } catch (final RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    @AfterAll
    static void deleteNamespaces() {
        if (lab != null) {
            lab.close();
        }
    }

    private static List<Finding> runInLb(final String... interfaces) {
        try (NetNamespace scope = NetNamespace.enter(nsLb)) {
            return AfPacketChecks.run(List.of(interfaces), new int[] {VIP, OTHER_VIP}, nsLb);
        }
    }

    @Test
    void cleanNamespaceHasNoFindings() {
        final List<Finding> findings = runInLb("l0");

        assertThat(findings).isEmpty();
        assertThat(AfPacketChecks.enforce(findings)).isEmpty();
    }

    @Test
    void ipForwardOnIsAnErrorWithTheSysctlFix() {
        lab.exec(nsLb, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        try {
            final List<Finding> findings = runInLb("l0");

            assertThat(findings).containsExactly(new Finding(Severity.ERROR, "net.ipv4.ip_forward",
                "is 1: the kernel forwards a second copy of every frame Fulcrum forwards",
                "ip netns exec " + nsLb + " sysctl -w net.ipv4.ip_forward=0"));
            assertThatThrownBy(() -> AfPacketChecks.enforce(findings))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fix: ip netns exec " + nsLb + " sysctl -w net.ipv4.ip_forward=0");
        } finally {
            lab.exec(nsLb, "sysctl", "-qw", "net.ipv4.ip_forward=0");
        }
    }

    @Test
    void ownedAddressOnKernelInterfaceIsAnErrorWithTheAddrDelFix() {
        VethLab.run("ip", "-n", nsLb, "addr", "add", "198.18.7.100/24", "dev", "l0");
        try {
            final List<Finding> findings = runInLb("l0");

            assertThat(findings).hasSize(1);
            final Finding finding = findings.get(0);
            assertThat(finding.severity()).isEqualTo(Severity.ERROR);
            assertThat(finding.subject()).isEqualTo("l0");
            assertThat(finding.problem()).contains("198.18.7.100");
            assertThat(finding.fixCommand()).isEqualTo("ip netns exec " + nsLb + " ip addr del 198.18.7.100/24 dev l0");
            assertThat(AfPacketChecks.hasErrors(findings)).isTrue();
        } finally {
            VethLab.run("ip", "-n", nsLb, "addr", "del", "198.18.7.100/24", "dev", "l0");
        }
    }

    @Test
    void addressesThatAreNotOwnedAreFine() {
        try (NetNamespace scope = NetNamespace.enter(nsLb)) {
            assertThat(AfPacketChecks.kernelAddresses())
                .contains(new AfPacketChecks.KernelAddress("l0", ipv4(198, 18, 7, 254), 24));
            assertThat(AfPacketChecks.run(List.of(), new int[] {ipv4(198, 18, 7, 254) + 1})).isEmpty();
        }
    }

    @Test
    void groOnIsAWarningWithTheEthtoolFix() {
        lab.exec(nsLb, "ethtool", "-K", "l0", "gro", "on");
        try {
            final List<Finding> findings = runInLb("l0");

            assertThat(findings).containsExactly(new Finding(Severity.WARNING, "l0",
                "GRO is on: AF_PACKET sees merged super-frames that cannot be forwarded as they are",
                "ip netns exec " + nsLb + " ethtool -K l0 gro off"));
            assertThat(AfPacketChecks.hasErrors(findings)).isFalse();
            assertThat(AfPacketChecks.enforce(findings)).isEqualTo(findings);
        } finally {
            lab.exec(nsLb, "ethtool", "-K", "l0", "gro", "off");
        }
    }

    @Test
    void missingInterfaceIsAnError() {
        final List<Finding> findings = runInLb("nosuch0");

        assertThat(findings).singleElement().satisfies(finding -> {
            assertThat(finding.severity()).isEqualTo(Severity.ERROR);
            assertThat(finding.subject()).isEqualTo("nosuch0");
            assertThat(finding.problem()).contains("no such interface");
        });
    }

    @Test
    void formatsAddresses() {
        assertThat(AfPacketChecks.formatIpv4(ipv4(198, 18, 255, 1))).isEqualTo("198.18.255.1");
    }
}
