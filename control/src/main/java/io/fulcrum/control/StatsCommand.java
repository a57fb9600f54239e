package io.fulcrum.control;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import io.fulcrum.common.counters.CountersFile;
import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fulcrum stats}: prints the counters of running Fulcrum processes by mapping their counters
 * files, so it works even when the process is too busy to answer on its control channel.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Print the counters of a running Fulcrum (read from its counters file).")
final class StatsCommand implements Callable<Integer> {
    static final String COUNTERS_FILE_NAME = "counters.dat";

    @Option(names = "--run-dir", description = "The node's run directory (default: every /dev/shm/fulcrum-*).")
    private Path runDir;

    @Option(names = "--nonzero", description = "Only counters that are not zero.")
    private boolean nonZero;

    @Option(names = "--json", description = "One JSON object per counters file.")
    private boolean json;

    @Override
    public Integer call() throws IOException {
        final List<Path> files = new ArrayList<>();
        if (runDir != null) {
            files.add(runDir.resolve(COUNTERS_FILE_NAME));
        } else {
            try (Stream<Path> dirs = Files.list(Path.of("/dev/shm"))) {
                dirs.filter(d -> d.getFileName().toString().startsWith("fulcrum-"))
                    .map(d -> d.resolve(COUNTERS_FILE_NAME)).filter(Files::exists).sorted().forEach(files::add);
            }
        }
        if (files.isEmpty()) {
            System.err.println("fulcrum stats: no counters file found (is Fulcrum running? try --run-dir)");
            return 1;
        }
        int status = 0;
        for (final Path file : files) {
            if (!Files.exists(file)) {
                System.err.println("fulcrum stats: " + file + " does not exist (is Fulcrum running with this run-dir?)");
                status = 1;
                continue;
            }
            try (CountersFile counters = CountersFile.openReadOnly(file)) {
                print(System.out, counters);
            } catch (final RuntimeException e) {
                System.err.println("fulcrum stats: " + e.getMessage());
                status = 1;
            }
        }
        return status;
    }

    private void print(final PrintStream out, final CountersFile counters) {
        final CountersReader reader = counters.reader();
        final boolean alive = ProcessHandle.of(counters.pid()).map(ProcessHandle::isAlive).orElse(false);
        if (json) {
            final StringBuilder sb = new StringBuilder();
            sb.append("{\"file\":\"").append(counters.path()).append("\",\"pid\":").append(counters.pid())
                .append(",\"alive\":").append(alive).append(",\"counters\":{");
            final boolean[] first = {true};
            reader.forEach((value, id, label) -> {
                if (nonZero && value == 0) {
                    return;
                }
                if (!first[0]) {
                    sb.append(',');
                }
                first[0] = false;
                sb.append('"').append(label.replace("\\", "\\\\").replace("\"", "\\\"")).append("\":").append(value);
            });
            out.println(sb.append("}}"));
            return;
        }
        out.printf("%s (pid %d, %s)%n", counters.path(), counters.pid(), alive ? "running" : "not running");
        reader.forEach((value, id, label) -> {
            if (!nonZero || value != 0) {
                out.printf("  %-56s %,20d%n", label, value);
            }
        });
    }
}
