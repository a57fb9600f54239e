package io.fulcrum.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every file in examples/broken/ is refused with exactly the errors its {@code # expect:} lines list
 * ({@code file:line:column: field: message}, in order). A {@code # gate: default} line loads it with this
 * build's gate; otherwise all features are enabled so the mistake itself is what is reported.
 */
class BrokenExamplesTest {
    @Test
    void thereAreAtLeastTwelveDifferentMistakes() throws IOException {
        assertThat(ExamplesTest.brokenFiles()).hasSizeGreaterThanOrEqualTo(12);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.fulcrum.common.config.ExamplesTest#brokenFiles")
    void refusedWithTheDocumentedErrors(final Path file) throws IOException {
        final List<String> lines = Files.readAllLines(file);
        final List<String> expected = lines.stream().filter(l -> l.startsWith("# expect: "))
            .map(l -> l.substring("# expect: ".length())).toList();
        final FeatureGate gate = lines.contains("# gate: default") ? FeatureGate.DEFAULT : FeatureGate.ALL;
        assertThat(expected).as("%s has # expect: lines", file.getFileName()).isNotEmpty();

        final ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, gate));

        assertThat(e).as("%s must be refused", file.getFileName()).isNotNull();
        final String prefix = ExamplesTest.EXAMPLES.getParent().toString() + "/";
        final List<String> actual = e.errors().stream().map(ConfigError::toString).map(s -> s.replace(prefix, "")).toList();
        assertThat(actual).as("errors of %s", file.getFileName()).containsExactlyElementsOf(expected);
        assertThat(e.getMessage()).isEqualTo(String.join("\n", e.errors().stream().map(ConfigError::toString).toList()));
    }
}
