package io.fulcrum.conntrack;

import static io.fulcrum.conntrack.TcpStateMachine.INPUT;
import static io.fulcrum.conntrack.TcpStateMachine.OUTPUT;
import static io.fulcrum.conntrack.TcpStateMachine.TCP_ACK;
import static io.fulcrum.conntrack.TcpStateMachine.TCP_FIN;
import static io.fulcrum.conntrack.TcpStateMachine.TCP_RST;
import static io.fulcrum.conntrack.TcpStateMachine.TCP_SYN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class TcpStateMachineTest {
    /**
     * Golden fixture: {@code tcp_states[]} exactly as printed in Linux net/netfilter/ipvs/ip_vs_proto_tcp.c, parsed
     * independently of the Java table.
     */
    private static final String LVS_TABLE = """
        /*\tINPUT */
        /*        sNO, sES, sSS, sSR, sFW, sTW, sCL, sCW, sLA, sLI, sSA\t*/
        /*syn*/ {{sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR }},
        /*fin*/ {{sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW }},
        /*ack*/ {{sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES }},
        /*rst*/ {{sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR }},

        /*\tOUTPUT */
        /*        sNO, sES, sSS, sSR, sFW, sTW, sCL, sCW, sLA, sLI, sSA\t*/
        /*syn*/ {{sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR }},
        /*fin*/ {{sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW }},
        /*ack*/ {{sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES }},
        /*rst*/ {{sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL }},

        /*\tINPUT-ONLY */
        /*        sNO, sES, sSS, sSR, sFW, sTW, sCL, sCW, sLA, sLI, sSA\t*/
        /*syn*/ {{sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR }},
        /*fin*/ {{sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW }},
        /*ack*/ {{sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES }},
        /*rst*/ {{sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL }},
        """;

    private static final List<String> ABBREVIATIONS =
        List.of("sNO", "sES", "sSS", "sSR", "sFW", "sTW", "sCL", "sCW", "sLA", "sLI", "sSA");

    static List<int[]> lvsTransitions() {
        final List<int[]> rows = new ArrayList<>();
        int direction = -1;
        for (String line : LVS_TABLE.lines().map(String::strip).toList()) {
            if (line.contains("INPUT-ONLY")) {
                direction = TcpStateMachine.INPUT_ONLY;
            } else if (line.contains("OUTPUT")) {
                direction = OUTPUT;
            } else if (line.contains("INPUT")) {
                direction = INPUT;
            } else if (line.startsWith("/*syn*/") || line.startsWith("/*fin*/") || line.startsWith("/*ack*/")
                || line.startsWith("/*rst*/")) {
                final int flags = switch (line.substring(2, 5)) {
                    case "syn" -> TCP_SYN;
                    case "fin" -> TCP_FIN;
                    case "ack" -> TCP_ACK;
                    default -> TCP_RST;
                };
                final String[] cells = line.substring(line.indexOf("{{") + 2, line.indexOf("}}")).split(",");
                assertThat(cells).hasSize(TcpState.COUNT);
                for (int from = 0; from < TcpState.COUNT; from++) {
                    rows.add(new int[] {direction, flags, from, ABBREVIATIONS.indexOf(cells[from].strip())});
                }
            }
        }
        assertThat(rows).hasSize(3 * 4 * TcpState.COUNT);
        return rows;
    }

    @ParameterizedTest(name = "dir {0} flags {1} from {2} -> {3}")
    @MethodSource("lvsTransitions")
    void everyTransitionMatchesLvs(final int[] row) {
        assertThat(TcpState.name(TcpStateMachine.next(row[2], row[0], row[1])))
            .as("direction %d flags %d from %s", row[0], row[1], TcpState.name(row[2]))
            .isEqualTo(TcpState.name(row[3]));
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource({
        // Flag precedence: RST over SYN over FIN over ACK; no flag at all -> CLOSE (LVS).
        "ESTABLISHED, INPUT, RST+ACK, CLOSE",
        "NONE, INPUT, SYN+ACK, SYN_RECV",
        "ESTABLISHED, INPUT, SYN+FIN, ESTABLISHED",
        "ESTABLISHED, OUTPUT, FIN+ACK, FIN_WAIT",
        "ESTABLISHED, INPUT, NONE, CLOSE",
        "SYN_RECV, OUTPUT, NONE, CLOSE",
    })
    void flagPrecedence(final String from, final String direction, final String flags, final String to) {
        assertThat(TcpState.name(TcpStateMachine.next(TcpState.parse(from), dir(direction), flags(flags)))).isEqualTo(to);
    }

    @Test
    void clientClosesFirst() {
        assertThat(walk(
            "INPUT SYN", "SYN_RECV",
            "OUTPUT SYN+ACK", "SYN_RECV",
            "INPUT ACK", "ESTABLISHED",
            "INPUT FIN+ACK", "CLOSE_WAIT",
            "OUTPUT ACK", "CLOSE_WAIT",
            "OUTPUT FIN+ACK", "TIME_WAIT",
            "INPUT ACK", "TIME_WAIT")).isTrue();
    }

    @Test
    void backendClosesFirst() {
        assertThat(walk(
            "INPUT SYN", "SYN_RECV",
            "OUTPUT SYN+ACK", "SYN_RECV",
            "INPUT ACK", "ESTABLISHED",
            "OUTPUT FIN+ACK", "FIN_WAIT",
            "INPUT ACK", "FIN_WAIT",
            "INPUT FIN+ACK", "TIME_WAIT")).isTrue();
    }

    @Test
    void resetsClose() {
        assertThat(walk("INPUT SYN", "SYN_RECV", "OUTPUT RST", "CLOSE")).isTrue();
        assertThat(walk("INPUT SYN", "SYN_RECV", "INPUT ACK", "ESTABLISHED", "INPUT RST", "CLOSE")).isTrue();
        // RST from the client while in SYN_RECV keeps SYN_RECV (LVS).
        assertThat(walk("INPUT SYN", "SYN_RECV", "INPUT RST", "SYN_RECV")).isTrue();
    }

    @Test
    void stateNamesParseBackAndBadNamesAreExplained() {
        for (int s = 0; s < TcpState.COUNT; s++) {
            assertThat(TcpState.parse(TcpState.name(s).toLowerCase())).isEqualTo(s);
        }
        assertThatThrownBy(() -> TcpState.parse("OPEN")).hasMessageContaining("unknown TCP state 'OPEN'")
            .hasMessageContaining("ESTABLISHED");
        assertThatThrownBy(() -> TcpState.name(11)).isInstanceOf(IllegalArgumentException.class);
    }

    private static boolean walk(final String... steps) {
        int state = TcpState.NONE;
        for (int i = 0; i < steps.length; i += 2) {
            final String[] packet = steps[i].split(" ");
            state = TcpStateMachine.next(state, dir(packet[0]), flags(packet[1]));
            assertThat(TcpState.name(state)).as("after %s", steps[i]).isEqualTo(steps[i + 1]);
        }
        return true;
    }

    private static int dir(final String name) {
        return switch (name) {
            case "INPUT" -> INPUT;
            case "OUTPUT" -> OUTPUT;
            default -> TcpStateMachine.INPUT_ONLY;
        };
    }

    private static int flags(final String names) {
        int flags = 0;
        for (String name : names.split("\\+")) {
            flags |= switch (name) {
                case "SYN" -> TCP_SYN;
                case "FIN" -> TCP_FIN;
                case "ACK" -> TCP_ACK;
                case "RST" -> TCP_RST;
                default -> 0;
            };
        }
        return flags;
    }
}
