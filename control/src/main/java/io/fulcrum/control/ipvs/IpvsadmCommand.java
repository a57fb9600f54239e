package io.fulcrum.control.ipvs;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An ipvsadm command line, parsed the way ipvsadm parses it (short options may be clustered, {@code -Lnc};
 * option values may follow directly or as the next word; long forms as in ipvsadm(8)).
 *
 * @param command    {@code A}, {@code E}, {@code D} (services), {@code a}, {@code e}, {@code d} (real servers),
 *                   {@code L} (list), or another ipvsadm command letter (refused by the service)
 * @param protocol   {@code tcp} or {@code udp} when a service was given
 * @param service    the service's {@code VIP:port}, empty when none
 * @param scheduler  {@code -s}, empty when not given
 * @param persistent {@code -p} timeout in seconds (ipvsadm's default 300 when given without a value)
 * @param realServer {@code -r}, empty when not given
 * @param weight     {@code -w}, empty when not given
 * @param forward    {@code m} (masquerading), {@code g} (gatewaying), {@code i} (ipip), or 0
 * @param connections {@code -c}
 * @param stats      {@code --stats}
 * @param rate       {@code --rate}
 * @param exact      {@code --exact}
 */
public record IpvsadmCommand(char command, String protocol, String service, String scheduler, Optional<Integer> persistent,
                             String realServer, String weight, char forward, boolean connections, boolean stats,
                             boolean rate, boolean exact) {
    /** ipvsadm's default scheduler. */
    public static final String DEFAULT_SCHEDULER = "wlc";
    /** ipvsadm's default real-server weight. */
    public static final int DEFAULT_WEIGHT = 1;
    /** ipvsadm's default persistence timeout. */
    public static final int DEFAULT_PERSISTENCE_SECONDS = 300;
    /** IPVS schedulers Fulcrum does not have (refused with the list of those it has). */
    public static final Set<String> IPVS_ONLY_SCHEDULERS = Set.of("lblc", "lblcr", "dh", "sed", "nq", "fo", "ovf", "twos");

    private static final Map<String, Character> LONG_COMMANDS = Map.ofEntries(
        Map.entry("--add-service", 'A'), Map.entry("--edit-service", 'E'), Map.entry("--delete-service", 'D'),
        Map.entry("--add-server", 'a'), Map.entry("--edit-server", 'e'), Map.entry("--delete-server", 'd'),
        Map.entry("--list", 'L'), Map.entry("--clear", 'C'), Map.entry("--zero", 'Z'), Map.entry("--restore", 'R'),
        Map.entry("--save", 'S'), Map.entry("--set", 'T'), Map.entry("--start-daemon", 'X'),
        Map.entry("--stop-daemon", 'Y'), Map.entry("--help", 'h'), Map.entry("--version", 'v'));
    private static final Map<String, Character> LONG_OPTIONS = Map.ofEntries(
        Map.entry("--tcp-service", 't'), Map.entry("--udp-service", 'u'), Map.entry("--fwmark-service", 'f'),
        Map.entry("--scheduler", 's'), Map.entry("--persistent", 'p'), Map.entry("--real-server", 'r'),
        Map.entry("--weight", 'w'), Map.entry("--masquerading", 'm'), Map.entry("--gatewaying", 'g'),
        Map.entry("--ipip", 'i'), Map.entry("--numeric", 'n'), Map.entry("--connection", 'c'),
        Map.entry("--u-threshold", 'x'), Map.entry("--l-threshold", 'y'), Map.entry("--netmask", 'M'));
    private static final String COMMAND_LETTERS = "AEDaedLlCZRSTXYhv";
    private static final String VALUE_LETTERS = "tufsrwxyM";

    /**
     * Parses ipvsadm arguments.
     *
     * @throws IllegalArgumentException with ipvsadm-like wording for malformed command lines
     */
    public static IpvsadmCommand parse(final List<String> args) {
        char command = 0;
        String protocol = "";
        String service = "";
        String scheduler = "";
        Optional<Integer> persistent = Optional.empty();
        String realServer = "";
        String weight = "";
        char forward = 0;
        boolean connections = false;
        boolean stats = false;
        boolean rate = false;
        boolean exact = false;
        for (int i = 0; i < args.size(); i++) {
            final String arg = args.get(i);
            final StringBuilder letters = new StringBuilder();
            if (arg.startsWith("--")) {
                final int eq = arg.indexOf('=');
                final String name = eq < 0 ? arg : arg.substring(0, eq);
                switch (name) {
                    case "--stats" -> stats = true;
                    case "--rate" -> rate = true;
                    case "--exact" -> exact = true;
                    default -> {
                        final Character c = LONG_COMMANDS.containsKey(name) ? LONG_COMMANDS.get(name) : LONG_OPTIONS.get(name);
                        if (c == null) {
                            throw new IllegalArgumentException("unrecognized option '" + arg + "'");
                        }
                        letters.append(c);
                        if (eq >= 0) {
                            letters.append(arg.substring(eq + 1));
                        }
                    }
                }
                if (letters.isEmpty()) {
                    continue;
                }
            } else if (arg.startsWith("-") && arg.length() > 1) {
                letters.append(arg, 1, arg.length());
            } else {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            for (int j = 0; j < letters.length(); j++) {
                final char c = letters.charAt(j);
                if (COMMAND_LETTERS.indexOf(c) >= 0) {
                    final char normal = c == 'l' ? 'L' : c;
                    if (command != 0 && command != normal) {
                        throw new IllegalArgumentException("multiple commands specified (-" + command + " and -" + c + ")");
                    }
                    command = normal;
                    continue;
                }
                if (c == 'n') {
                    continue;
                }
                if (c == 'c') {
                    connections = true;
                    continue;
                }
                if (c == 'm' || c == 'g' || c == 'i') {
                    forward = c;
                    continue;
                }
                if (c == 'p') {
                    // the timeout is optional: take it only when it is a number
                    String value = letters.substring(j + 1);
                    if (value.isEmpty() && i + 1 < args.size() && args.get(i + 1).matches("[0-9]+")) {
                        value = args.get(++i);
                    }
                    if (!value.isEmpty() && !value.matches("[0-9]{1,9}")) {
                        throw new IllegalArgumentException("illegal timeout for persistent service: '" + value + "'");
                    }
                    persistent = Optional.of(value.isEmpty() ? DEFAULT_PERSISTENCE_SECONDS : Integer.parseInt(value));
                    break;
                }
                if (VALUE_LETTERS.indexOf(c) < 0) {
                    throw new IllegalArgumentException("invalid option -- '" + c + "'");
                }
                String value = letters.substring(j + 1);
                if (value.isEmpty()) {
                    if (i + 1 >= args.size()) {
                        throw new IllegalArgumentException("option -" + c + " needs a value");
                    }
                    value = args.get(++i);
                }
                switch (c) {
                    case 't', 'u' -> {
                        if (!service.isEmpty()) {
                            throw new IllegalArgumentException("more than one service given");
                        }
                        protocol = c == 't' ? "tcp" : "udp";
                        service = value;
                    }
                    case 's' -> scheduler = value;
                    case 'r' -> realServer = value;
                    case 'w' -> weight = value;
                    case 'f' -> throw new IllegalArgumentException("firewall-mark services (-f) are not supported; "
                        + "use -t or -u VIP:port");
                    default -> throw new IllegalArgumentException("option -" + c + " (thresholds, netmask) is not supported");
                }
                break;
            }
        }
        if (command == 0) {
            throw new IllegalArgumentException("no command given (use -A, -E, -D, -a, -e, -d or -L)");
        }
        return new IpvsadmCommand(command, protocol, service, scheduler, persistent, realServer, weight, forward, connections,
            stats, rate, exact);
    }

    /** Whether the command only lists. */
    public boolean isList() {
        return command == 'L';
    }
}
