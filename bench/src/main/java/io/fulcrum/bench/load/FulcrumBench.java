package io.fulcrum.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;

/**
 * {@code fulcrum-bench}: the load generator ({@code load}, the default), the backend helper ({@code serve}) and the
 * report generators ({@code report}, {@code jmh-report}, in {@code io.fulcrum.bench.report}).
 */
public final class FulcrumBench {
    private FulcrumBench() {
    }

    public static void main(final String[] args) throws Exception {
        System.exit(run(args));
    }

    static int run(final String[] args) throws Exception {
        final String command = args.length > 0 && !args[0].startsWith("-") ? args[0] : "load";
        final String[] rest = args.length > 0 && !args[0].startsWith("-") ? Arrays.copyOfRange(args, 1, args.length) : args;
        try {
            return switch (command) {
                case "load" -> load(rest);
                case "serve" -> BenchServer.main(rest);
                case "report" -> io.fulcrum.bench.report.ReportMain.main(rest);
                case "jmh-report" -> io.fulcrum.bench.report.JmhReport.main(rest);
                default -> {
                    System.err.println("fulcrum-bench: unknown command '" + command + "'");
                    System.err.print(LoadOptions.usage());
                    yield 2;
                }
            };
        } catch (final IllegalArgumentException e) {
            System.err.println("fulcrum-bench: " + e.getMessage());
            return 2;
        }
    }

    private static int load(final String[] args) throws InterruptedException, IOException {
        if (args.length == 0 || Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(LoadOptions.usage());
            return args.length == 0 ? 2 : 0;
        }
        final LoadOptions options = LoadOptions.parse(args);
        final LoadResult result = LoadGenerator.run(options, System.err);
        System.out.print(result.text());
        if (options.json() != null) {
            Files.writeString(options.json(), result.json() + "\n");
        }
        return 0;
    }
}
