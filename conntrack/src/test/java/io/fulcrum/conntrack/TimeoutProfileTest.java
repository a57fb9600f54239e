package io.fulcrum.conntrack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TimeoutProfileTest {
    @ParameterizedTest(name = "{0} = {1} s")
    @CsvSource({
        "NONE, 2", "ESTABLISHED, 900", "SYN_SENT, 120", "SYN_RECV, 30", "FIN_WAIT, 120", "TIME_WAIT, 120",
        "CLOSE, 10", "CLOSE_WAIT, 60", "LAST_ACK, 30", "LISTEN, 120", "SYNACK, 120",
    })
    void defaultsFollowLvsAndProduct(final String state, final long seconds) {
        assertThat(TimeoutProfile.DEFAULT.tcpTimeoutMs(TcpState.parse(state))).isEqualTo(seconds * 1000);
    }

    @Test
    void udpIcmpAndResetDefaults() {
        final TimeoutProfile p = TimeoutProfile.DEFAULT;
        assertThat(p.udpTimeoutMs()).isEqualTo(90_000);
        assertThat(p.icmpTimeoutMs()).isEqualTo(60_000);
        assertThat(p.resetOnIdleExpiry()).isTrue();
        assertThat(p.timeoutMs(6, TcpState.CLOSE)).isEqualTo(10_000);
        assertThat(p.timeoutMs(17, TcpState.CLOSE)).isEqualTo(90_000);
        assertThat(p.timeoutMs(1, TcpState.NONE)).isEqualTo(60_000);
    }

    @Test
    void perListenerValuesApply() {
        final TimeoutProfile p = TimeoutProfile.builder().tcpTimeoutS(TcpState.ESTABLISHED, 4000).udpTimeoutS(10)
            .icmpTimeoutS(5).tcpTimeoutS(TcpState.TIME_WAIT, 1).resetOnIdleExpiry(false).build();
        assertThat(p.tcpTimeoutMs(TcpState.ESTABLISHED)).isEqualTo(4_000_000);
        assertThat(p.tcpTimeoutMs(TcpState.TIME_WAIT)).isEqualTo(1_000);
        assertThat(p.udpTimeoutMs()).isEqualTo(10_000);
        assertThat(p.icmpTimeoutMs()).isEqualTo(5_000);
        assertThat(p.resetOnIdleExpiry()).isFalse();
        assertThat(TimeoutProfile.DEFAULT.tcpTimeoutMs(TcpState.ESTABLISHED)).isEqualTo(900_000);
    }

    @Test
    void outOfRangeValuesNameTheFieldAndRange() {
        assertThatThrownBy(() -> TimeoutProfile.builder().tcpTimeoutS(TcpState.ESTABLISHED, 9))
            .hasMessage("tcp-timeout.ESTABLISHED must be 10..4000 s, was 9");
        assertThatThrownBy(() -> TimeoutProfile.builder().udpTimeoutS(4001))
            .hasMessage("udp-timeout must be 10..4000 s, was 4001");
        assertThatThrownBy(() -> TimeoutProfile.builder().tcpTimeoutS(TcpState.CLOSE, 0))
            .hasMessage("tcp-timeout.CLOSE must be 1..4000 s, was 0");
        assertThatThrownBy(() -> TimeoutProfile.builder().icmpTimeoutS(-1)).hasMessageContaining("icmp-timeout");
        assertThatThrownBy(() -> TimeoutProfile.builder().tcpTimeoutS(42, 10)).hasMessageContaining("not a TCP state");
    }
}
