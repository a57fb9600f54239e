package io.fulcrum.control;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.fulcrum.common.config.ConfigError;
import io.fulcrum.common.config.ConfigException;
import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.FulcrumConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fulcrum validate --config FILE}: checks a config file without starting anything. */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = "Check a config file: prints file:line:column: field: reason for every mistake, starts nothing.")
final class ValidateCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML config file.")
    private Path config;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(config)) {
            System.err.println(config + ": no such file");
            return 1;
        }
        try {
            final FulcrumConfig loaded = ConfigLoader.load(config);
            for (final String warning : L7Binding.certificateWarnings(loaded)) {
                System.out.println(config + ": warning: " + warning);
            }
            System.out.println(config + ": ok (" + summary(loaded) + ")");
            return 0;
        } catch (final ConfigException e) {
            for (final ConfigError error : e.errors()) {
                System.err.println(error);
            }
            System.err.println(config + ": " + e.errors().size() + (e.errors().size() == 1 ? " error" : " errors")
                + ", nothing started");
            return 1;
        }
    }

    static String summary(final FulcrumConfig config) {
        return "node " + config.node().name() + ", io " + config.dataplane().io().name().toLowerCase(java.util.Locale.ROOT)
            + ", " + config.dataplane().agents() + (config.dataplane().agents() == 1 ? " agent" : " agents")
            + ", " + config.dataplane().interfaces().size() + " interfaces, " + config.listeners().size() + " listeners, "
            + config.backendGroups().size() + " backend groups";
    }
}
