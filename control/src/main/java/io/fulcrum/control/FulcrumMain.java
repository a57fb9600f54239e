package io.fulcrum.control;

import io.fulcrum.common.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code fulcrum} launcher. */
@Command(name = "fulcrum", mixinStandardHelpOptions = true, versionProvider = FulcrumMain.VersionProvider.class,
    description = "Fulcrum software load balancer: L4 packet forwarder and TLS/HTTP stage.",
    subcommands = {RunCommand.class, ValidateCommand.class, StatsCommand.class, ConnsCommand.class})
public final class FulcrumMain implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(final String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (0 ok, 1 failure, 2 usage). */
    public static int execute(final String... args) {
        return new CommandLine(new FulcrumMain()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Prints the product version. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Version.NAME + " " + Version.VERSION + " (Java " + Runtime.version() + ")"};
        }
    }
}
