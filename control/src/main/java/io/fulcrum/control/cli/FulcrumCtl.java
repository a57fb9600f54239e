package io.fulcrum.control.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import io.aeron.CommonContext;
import io.fulcrum.common.Version;
import io.fulcrum.common.config.ConfigException;
import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.FeatureGate;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.control.protocol.ControlClient;
import io.fulcrum.control.protocol.ControlException;
import io.fulcrum.control.protocol.ControlResponse;
import io.fulcrum.control.protocol.Opcode;
import io.fulcrum.control.runtime.Caller;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fulcrumctl}: the operators' client of a running node's control channel. Exit codes: 0 done, 1 refused or
 * failed (the reason is printed; nothing changed), 2 usage, 3 no node reachable.
 */
@Command(name = "fulcrumctl", mixinStandardHelpOptions = true, versionProvider = FulcrumCtl.VersionProvider.class,
    description = "Inspect and change a running Fulcrum node over its Aeron control channel.",
    subcommands = {FulcrumCtl.Status.class, FulcrumCtl.Stats.class, FulcrumCtl.Conns.class, FulcrumCtl.Get.class,
        FulcrumCtl.Apply.class, FulcrumCtl.Add.class, FulcrumCtl.Update.class, FulcrumCtl.Remove.class,
        FulcrumCtl.Weight.class, FulcrumCtl.Drain.class, FulcrumCtl.HealthCheck.class, FulcrumCtl.Ipvsadm.class})
public final class FulcrumCtl implements Runnable {
    static final int REFUSED = 1;
    static final int UNREACHABLE = 3;

    @Option(names = "--aeron-dir", paramLabel = "DIR", description = "The node's Aeron directory (control.aeron-dir).")
    Path aeronDir;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The node's config file (to find its channel).")
    Path config;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "The node's run directory (its Aeron directory is DIR/aeron).")
    Path runDir;

    @Option(names = "--channel", paramLabel = "URI", description = "Control channel URI (default: from --config, or aeron:ipc).")
    String channel;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "10000",
        description = "Answer timeout (default ${DEFAULT-VALUE}).")
    long timeoutMs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintStream out = System.out;
    private PrintStream err = System.err;

    public static void main(final String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /** Runs a command line with the given streams; returns the exit code. */
    public static int execute(final PrintStream out, final PrintStream err, final String... args) {
        final FulcrumCtl ctl = new FulcrumCtl();
        ctl.out = out;
        ctl.err = err;
        final CommandLine commandLine = new CommandLine(ctl);
        commandLine.setOut(new java.io.PrintWriter(out, true));
        commandLine.setErr(new java.io.PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(out);
    }

    /** Sends one request and prints the answer; returns the exit code. */
    int call(final Opcode opcode, final List<String> args) {
        final Target target;
        try {
            target = target();
        } catch (final ControlException e) {
            err.println("fulcrumctl: " + e.getMessage());
            return UNREACHABLE;
        }
        try (ControlClient client = ControlClient.connect(target.aeronDir, target.channel, Caller.currentUid(),
            ProcessHandle.current().pid(), Math.min(timeoutMs, 5000))) {
            final ControlResponse response = client.call(opcode, args, timeoutMs);
            if (response.ok()) {
                out.print(response.text());
                out.flush();
                return 0;
            }
            err.println("fulcrumctl: " + response.status().name().toLowerCase() + ": " + response.text().strip());
            return REFUSED;
        } catch (final ControlException e) {
            err.println("fulcrumctl: " + e.getMessage());
            return UNREACHABLE;
        }
    }

    private record Target(Path aeronDir, String channel) {
    }

    private Target target() throws ControlException {
        String uri = channel;
        Path dir = aeronDir;
        if (config != null) {
            final FulcrumConfig loaded;
            try {
                loaded = ConfigLoader.load(config, FeatureGate.ALL);
            } catch (final ConfigException e) {
                throw new ControlException("cannot read " + config + " to find the node:\n" + e.getMessage());
            }
            dir = dir == null ? loaded.control().aeronDir() : dir;
            uri = uri == null ? loaded.control().channel() : uri;
        }
        if (dir == null && runDir != null) {
            dir = runDir.resolve("aeron");
        }
        if (dir == null) {
            dir = discover();
        }
        return new Target(dir, uri == null ? "aeron:ipc" : uri);
    }

    /** The one running node's Aeron directory under /dev/shm/fulcrum-*. */
    private static Path discover() throws ControlException {
        final List<Path> active = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Path.of("/dev/shm"))) {
            dirs.filter(d -> d.getFileName().toString().startsWith("fulcrum-")).map(d -> d.resolve("aeron"))
                .filter(d -> Files.isDirectory(d) && CommonContext.isDriverActive(d.toFile(), 2000, s -> { }))
                .sorted().forEach(active::add);
        } catch (final IOException e) {
            throw new ControlException("cannot list /dev/shm to find a node: " + e.getMessage());
        }
        if (active.isEmpty()) {
            throw new ControlException("no running Fulcrum node found under /dev/shm/fulcrum-*/aeron "
                + "(start one with fulcrum run, or give --config, --run-dir or --aeron-dir)");
        }
        if (active.size() > 1) {
            throw new ControlException("several nodes are running; choose one with --aeron-dir: " + active);
        }
        return active.get(0);
    }

    /** Base of the subcommands. */
    abstract static class Sub implements Callable<Integer> {
        @CommandLine.ParentCommand
        FulcrumCtl ctl;
    }

    @Command(name = "status", description = "Listeners, groups and backends with health, weights and traffic.")
    static final class Status extends Sub {
        @Option(names = "--json", description = "The status page's JSON.")
        boolean json;

        @Override
        public Integer call() {
            return ctl.call(Opcode.STATUS, List.of(json ? "json" : "text"));
        }
    }

    @Command(name = "stats", description = "Node, listener and backend counters with per-second rates.")
    static final class Stats extends Sub {
        @Override
        public Integer call() {
            return ctl.call(Opcode.STATS, List.of());
        }
    }

    @Command(name = "conns", description = "Tracked flows, filtered.")
    static final class Conns extends Sub {
        @Option(names = "--listener", defaultValue = "")
        String listener;
        @Option(names = "--backend", paramLabel = "ADDR:PORT", defaultValue = "")
        String backend;
        @Option(names = "--client", paramLabel = "ADDR[:PORT]", defaultValue = "")
        String client;
        @Option(names = "--limit", defaultValue = "1000")
        int limit;

        @Override
        public Integer call() {
            return ctl.call(Opcode.CONNS, List.of(listener, backend, client, Integer.toString(limit)));
        }
    }

    @Command(name = "get", description = "get config: the running configuration as YAML.")
    static final class Get extends Sub {
        @Parameters(index = "0", paramLabel = "config")
        String what;

        @Override
        public Integer call() {
            if (!"config".equals(what)) {
                ctl.err.println("fulcrumctl: get: only 'get config' exists, got '" + what + "'");
                return 2;
            }
            return ctl.call(Opcode.GET_CONFIG, List.of());
        }
    }

    @Command(name = "apply", description = "Validate a config file, diff it against the running state, apply it atomically.")
    static final class Apply extends Sub {
        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE")
        Path file;
        @Option(names = "--dry-run", description = "Validate and print the diff; apply nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            final String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (final IOException e) {
                ctl.err.println("fulcrumctl: cannot read " + file + ": " + e.getMessage());
                return REFUSED;
            }
            final Path parent = file.toAbsolutePath().getParent();
            return ctl.call(Opcode.APPLY, List.of(file.toString(), parent == null ? "/" : parent.toString(), text,
                Boolean.toString(dryRun)));
        }
    }

    /** add|update|remove listener|group|backend. */
    abstract static class ObjectCommand extends Sub {
        @Parameters(index = "0", paramLabel = "listener|group|backend")
        String type;
        @Parameters(index = "1..*", paramLabel = "ARGS", description = "NAME [key=value...] or GROUP ADDR:PORT [key=value...]")
        List<String> args = new ArrayList<>();

        abstract Opcode opcode(String objectType);

        @Override
        public Integer call() {
            final String normal = "backend-group".equals(type) ? "group" : type;
            final Opcode opcode = opcode(normal);
            if (opcode == null) {
                ctl.err.println("fulcrumctl: unknown object type '" + type + "' (listener, group or backend)");
                return 2;
            }
            return ctl.call(opcode, args);
        }
    }

    @Command(name = "add", description = {"add listener NAME protocol=tcp vip=A port=P group=G [key=value...]",
        "add group NAME [scheduler=wrr ...]", "add backend GROUP ADDR:PORT [weight=W backup=true]"})
    static final class Add extends ObjectCommand {
        @Override
        Opcode opcode(final String t) {
            return switch (t) {
                case "listener" -> Opcode.ADD_LISTENER;
                case "group" -> Opcode.ADD_GROUP;
                case "backend" -> Opcode.ADD_BACKEND;
                default -> null;
            };
        }
    }

    @Command(name = "update", description = {"update listener NAME key=value...", "update group NAME key=value...",
        "update backend GROUP ADDR:PORT key=value...", "(an empty value resets a key to its default)"})
    static final class Update extends ObjectCommand {
        @Override
        Opcode opcode(final String t) {
            return switch (t) {
                case "listener" -> Opcode.UPDATE_LISTENER;
                case "group" -> Opcode.UPDATE_GROUP;
                case "backend" -> Opcode.UPDATE_BACKEND;
                default -> null;
            };
        }
    }

    @Command(name = "remove", description = {"remove listener NAME", "remove group NAME",
        "remove backend GROUP ADDR:PORT (its connections drain)"})
    static final class Remove extends ObjectCommand {
        @Override
        Opcode opcode(final String t) {
            return switch (t) {
                case "listener" -> Opcode.REMOVE_LISTENER;
                case "group" -> Opcode.REMOVE_GROUP;
                case "backend" -> Opcode.REMOVE_BACKEND;
                default -> null;
            };
        }
    }

    @Command(name = "weight", description = "weight GROUP ADDR:PORT W (0..100; 0 drains).")
    static final class Weight extends Sub {
        @Parameters(index = "0")
        String group;
        @Parameters(index = "1", paramLabel = "ADDR:PORT")
        String backend;
        @Parameters(index = "2", paramLabel = "W")
        String weight;

        @Override
        public Integer call() {
            return ctl.call(Opcode.WEIGHT, List.of(group, backend, weight));
        }
    }

    @Command(name = "drain", description = "drain GROUP ADDR:PORT: weight 0, existing connections continue.")
    static final class Drain extends Sub {
        @Parameters(index = "0")
        String group;
        @Parameters(index = "1", paramLabel = "ADDR:PORT")
        String backend;

        @Override
        public Integer call() {
            return ctl.call(Opcode.DRAIN, List.of(group, backend));
        }
    }

    @Command(name = "health-check", description = {"health-check GROUP key=value... (type=tcp interval=5 ...)",
        "health-check GROUP off"})
    static final class HealthCheck extends Sub {
        @Parameters(index = "0")
        String group;
        @Parameters(index = "1..*", paramLabel = "SETTINGS")
        List<String> settings = new ArrayList<>();

        @Override
        public Integer call() {
            final List<String> args = new ArrayList<>();
            args.add(group);
            args.addAll(settings);
            return ctl.call(Opcode.HEALTH_CHECK, args);
        }
    }

    @Command(name = "ipvsadm", description = {"ipvsadm-compatible mode: -Ln, -Ln --stats, -Ln --rate, -Lnc,",
        "-A/-E/-D -t|-u VIP:port [-s SCHED] [-p [T]], -a/-e/-d -t|-u VIP:port -r RIP:port [-w W] [-m]"})
    static final class Ipvsadm extends Sub {
        @CommandLine.Unmatched
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            return ctl.call(Opcode.IPVSADM, args);
        }
    }

    /** Prints the product version. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"fulcrumctl " + Version.VERSION + " (Java " + Runtime.version() + ")"};
        }
    }
}
