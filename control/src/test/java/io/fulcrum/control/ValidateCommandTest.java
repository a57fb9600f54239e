package io.fulcrum.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code fulcrum validate} prints exactly the file:line:column: field: reason lines each broken example expects. */
class ValidateCommandTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    static Stream<Path> brokenExamples() throws IOException {
        return Files.list(ROOT.resolve("examples/broken")).filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    @ParameterizedTest
    @MethodSource("brokenExamples")
    void brokenConfigIsRefusedWithTheExpectedMessages(final Path file) throws IOException {
        final List<String> expected = Files.readAllLines(file).stream().filter(l -> l.startsWith("# expect: "))
            .map(l -> l.substring("# expect: ".length())).toList();
        final Path relative = ROOT.relativize(file);
        final Output out = run("validate", "--config", ROOT.resolve(relative).toString());
        assertThat(out.code).isEqualTo(1);
        assertThat(out.stdout).isEmpty();
        final List<String> lines = out.stderr.lines().toList();
        // errors name the file as given on the command line; the examples' expectations use the repo-relative path
        final List<String> actual = lines.subList(0, lines.size() - 1).stream()
            .map(l -> l.replace(ROOT + "/", "")).toList();
        // the examples state the mistake itself (most load with every feature on); the binary runs this build's
        // feature gate, so it may add "not supported yet" refusals, and nothing else
        assertThat(actual).containsSubsequence(expected);
        assertThat(actual.stream().filter(l -> !expected.contains(l)))
            .allSatisfy(l -> assertThat(l).contains(": not supported yet (arrives with "));
        assertThat(lines.getLast()).endsWith("nothing started");
    }

    @Test
    void labExampleIsValid() {
        final Output out = run("validate", "--config", ROOT.resolve("examples/lab.yaml").toString());
        assertThat(out.code).as(out.stderr).isZero();
        assertThat(out.stdout).contains("ok (node lab-1, io auto, 1 agent, 2 interfaces");
    }

    @Test
    void missingFileIsAnError() {
        final Output out = run("validate", "--config", "/nonexistent/fulcrum.yaml");
        assertThat(out.code).isEqualTo(1);
        assertThat(out.stderr).contains("/nonexistent/fulcrum.yaml: no such file");
    }

    @Test
    void missingOptionIsAUsageError() {
        assertThat(run("validate").code).isEqualTo(2);
    }

    private record Output(int code, String stdout, String stderr) {
    }

    private static synchronized Output run(final String... args) {
        final PrintStream oldOut = System.out;
        final PrintStream oldErr = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            final int code = FulcrumMain.execute(args);
            return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
