package io.fulcrum.control.ipvs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.fulcrum.control.protocol.TestNode;
import io.fulcrum.control.runtime.DataplaneState;
import io.fulcrum.control.runtime.ObjectStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code fulcrumctl ipvsadm} over the control channel. The expected texts were produced by C printf (Python's
 * {@code %} operator) with the format strings of ipvsadm.c ({@code print_title}, {@code print_service_entry},
 * {@code print_largenum}, {@code list_conn}), so the column layout is ipvsadm's, trailing blanks included.
 */
class IpvsadmModeTest {
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(TestNode.standardBody());
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @Test
    void listMatchesIpvsadmColumns() {
        node.state.stats.put("backend web/198.18.1.2:80", new ObjectStats(10, 7, 3, 20, 30, 40, 50));
        final TestNode.Run run = node.ctl("ipvsadm", "-Ln");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("IP Virtual Server version 1.2.1 (size=1048576)\nProt LocalAddress:Port Scheduler Flags\n"
            + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  198.18.0.100:80 wrr\n"
            + "  -> 198.18.1.2:80                FullNat 100    7          3         \n"
            + "  -> 198.18.1.3:8080              FullNat 50     0          0         \nUDP  198.18.0.100:53 rr\n"
            + "  -> 198.18.1.10:53               Masq    1      0          0         \n");
        assertThat(node.ctl("ipvsadm", "-L", "-n").out()).isEqualTo(run.out());
        assertThat(node.ctl("ipvsadm", "--list", "--numeric").out()).isEqualTo(run.out());
    }

    @Test
    void statsMatchIpvsadmColumnsAndLargeNumberUnits() {
        node.state.stats.put("listener web", new ObjectStats(12345, 0, 0, 99_999_999, 100_000_000, 1_234_567_890,
            123_456_789_012_345L));
        node.state.stats.put("backend web/198.18.1.2:80", new ObjectStats(10, 7, 3, 20, 30, 40, 50));
        final TestNode.Run run = node.ctl("ipvsadm", "-Ln", "--stats");
        assertThat(run.out()).isEqualTo("IP Virtual Server version 1.2.1 (size=1048576)\n"
            + "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n"
            + "TCP  198.18.0.100:80                 12345 99999999  100000K    1234M     123T\n"
            + "  -> 198.18.1.2:80                      10       20       30       40       50\n"
            + "  -> 198.18.1.3:8080                     0        0        0        0        0\n"
            + "UDP  198.18.0.100:53                     0        0        0        0        0\n"
            + "  -> 198.18.1.10:53                      0        0        0        0        0\n");
        assertThat(node.ctl("ipvsadm", "-Ln", "--rate").out()).startsWith("IP Virtual Server version 1.2.1 (size=1048576)\n"
            + "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n  -> RemoteAddress:Port\n"
            + "TCP  198.18.0.100:80                     0        0        0        0        0\n");
        assertThat(node.ctl("ipvsadm", "-Ln", "--stats", "--exact").out())
            .contains("TCP  198.18.0.100:80                 12345 99999999 100000000 1234567890 123456789012345\n");
    }

    @Test
    void connectionEntriesMatchIpvsadm() {
        node.state.flows = List.of(new DataplaneState.FlowEntry("TCP", 899, "ESTABLISHED", "198.18.0.7:40001",
            "198.18.0.100:80", "198.18.1.2:80", "web"));
        try {
            final TestNode.Run run = node.ctl("ipvsadm", "-Lnc");
            assertThat(run.out()).isEqualTo("IPVS connection entries\n"
                + "pro expire state       source             virtual            destination\n"
                + "TCP 14:59  ESTABLISHED 198.18.0.7:40001   198.18.0.100:80    198.18.1.2:80\n");
        } finally {
            node.state.flows = null;
        }
        assertThat(node.ctl("ipvsadm", "-Lnc").err()).contains("does not expose tracked flows");
    }

    @Test
    void editsAServiceTheIpvsadmWay() {
        assertThat(node.ctl("ipvsadm", "-A", "-t", "198.18.0.100:443", "-s", "rr").code()).isZero();
        assertThat(node.runtime.current().listener("tcp-198.18.0.100-443")).isPresent();
        assertThat(node.ctl("ipvsadm", "-a", "-t", "198.18.0.100:443", "-r", "198.18.1.5:443", "-w", "3").code()).isZero();
        assertThat(node.ctl("ipvsadm", "-e", "-t", "198.18.0.100:443", "-r", "198.18.1.5:443", "-w", "5").code()).isZero();
        assertThat(node.ctl("ipvsadm", "-E", "-t", "198.18.0.100:443", "-s", "wrr", "-p", "600").code()).isZero();
        assertThat(node.ctl("ipvsadm", "-Ln", "-t", "198.18.0.100:443").out())
            .isEqualTo("Prot LocalAddress:Port Scheduler Flags\n"
            + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            + "TCP  198.18.0.100:443 wrr persistent 600\n"
            + "  -> 198.18.1.5:443               FullNat 5      0          0         \n");
        assertThat(node.ctl("ipvsadm", "-d", "-t", "198.18.0.100:443", "-r", "198.18.1.5:443").code()).isZero();
        assertThat(node.ctl("ipvsadm", "-D", "-t", "198.18.0.100:443").code()).isZero();
        assertThat(node.runtime.current().listener("tcp-198.18.0.100-443")).isEmpty();
        assertThat(node.runtime.current().backendGroup("tcp-198.18.0.100-443")).isEmpty();
    }

    @Test
    void parsesIpvsadmCommandLines() {
        final IpvsadmCommand a = IpvsadmCommand.parse(List.of("-a", "-t198.18.0.1:80", "-r", "198.18.1.2:80", "-w", "4", "-m"));
        assertThat(a.command()).isEqualTo('a');
        assertThat(a.protocol()).isEqualTo("tcp");
        assertThat(a.service()).isEqualTo("198.18.0.1:80");
        assertThat(a.realServer()).isEqualTo("198.18.1.2:80");
        assertThat(a.weight()).isEqualTo("4");
        assertThat(a.forward()).isEqualTo('m');
        final IpvsadmCommand p = IpvsadmCommand.parse(List.of("--add-service", "--udp-service", "198.18.0.1:53", "-p"));
        assertThat(p.persistent()).contains(IpvsadmCommand.DEFAULT_PERSISTENCE_SECONDS);
        final IpvsadmCommand l = IpvsadmCommand.parse(List.of("-Lnc"));
        assertThat(l.isList()).isTrue();
        assertThat(l.connections()).isTrue();
        for (final List<String> bad : List.of(List.of("-Q"), List.of("-A", "-L"), List.of("-a", "-t"), List.of("--frob"),
            List.of("-n"), List.of("-A", "-f", "1"))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> IpvsadmCommand.parse(bad))
                .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
