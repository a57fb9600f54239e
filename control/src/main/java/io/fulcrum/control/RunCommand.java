package io.fulcrum.control;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.fulcrum.common.config.ConfigError;
import io.fulcrum.common.config.ConfigException;
import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.FulcrumConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code fulcrum run --config FILE}: runs a load-balancer node until SIGTERM or SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a Fulcrum node with the given config until SIGTERM/SIGINT.")
final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML config file.")
    private Path config;

    @Override
    public Integer call() throws InterruptedException {
        if (!Files.isRegularFile(config)) {
            System.err.println(config + ": no such file");
            return 1;
        }
        final FulcrumConfig loaded;
        try {
            loaded = ConfigLoader.load(config);
        } catch (final ConfigException e) {
            for (final ConfigError error : e.errors()) {
                System.err.println(error);
            }
            System.err.println(config + ": refused, nothing started");
            return 1;
        }
        System.out.println("fulcrum: starting node " + loaded.node().name() + " from " + config + " ("
            + ValidateCommand.summary(loaded) + ")");
        final NodeConductor conductor = new NodeConductor(loaded, System.out);
        try {
            conductor.start();
        } catch (final Exception e) {
            System.err.println("fulcrum: cannot start: " + e.getMessage());
            return 1;
        }
        // SIGTERM/SIGINT are handled (not left to the JVM's default exit 143): stop in order, then exit 0
        final CountDownLatch stop = new CountDownLatch(1);
        final SignalHandler handler = signal -> {
            System.out.println("fulcrum: SIG" + signal.getName() + " received");
            stop.countDown();
        };
        Signal.handle(new Signal("TERM"), handler);
        Signal.handle(new Signal("INT"), handler);
        // SIGHUP = apply the config file again, on the control thread (bad file: refused and logged, nothing changes)
        Signal.handle(new Signal("HUP"), signal -> {
            System.out.println("fulcrum: SIGHUP received: applying " + config);
            conductor.reload(config);
        });
        System.out.println("fulcrum: ready: " + conductor.agentCount() + " forwarder agent(s), io "
            + conductor.ioDescription());
        System.out.flush();
        stop.await();
        System.out.println("fulcrum: stopping");
        conductor.close();
        System.out.println("fulcrum: stopped");
        System.out.flush();
        return 0;
    }
}
