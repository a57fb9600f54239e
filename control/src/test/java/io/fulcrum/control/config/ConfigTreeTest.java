package io.fulcrum.control.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.FeatureGate;
import io.fulcrum.common.config.FulcrumConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every example file survives config → YAML → loader unchanged, so {@code get config} and edits lose nothing. */
class ConfigTreeTest {
    static Stream<Path> examples() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("examples"))) {
            dir = dir.getParent();
        }
        return Files.list(dir.resolve("examples")).filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    @ParameterizedTest
    @MethodSource("examples")
    void roundTripsEveryExample(final Path file) throws Exception {
        final FulcrumConfig config = ConfigLoader.load(file, FeatureGate.ALL);
        final String yaml = ConfigTree.toYaml(ConfigTree.of(config));
        final FulcrumConfig back = ConfigLoader.parse(yaml, "tree", Path.of("/"), FeatureGate.ALL);
        assertThat(back).as(yaml).isEqualTo(config);
        assertThat(ConfigTree.toYaml(ConfigTree.of(back))).isEqualTo(yaml);
    }

    @ParameterizedTest
    @MethodSource("examples")
    void defaultGateFilesStayLoadableWithTheDefaultGate(final Path file) throws Exception {
        final FulcrumConfig config;
        try {
            config = ConfigLoader.load(file, FeatureGate.DEFAULT);
        } catch (final io.fulcrum.common.config.ConfigException e) {
            return; // the file uses features this build gates; the ALL round trip covers it
        }
        // only non-default values are written, so gated keys never appear in a file that does not use them
        ConfigLoader.parse(ConfigTree.toYaml(ConfigTree.of(config)), "tree", Path.of("/"), FeatureGate.DEFAULT);
    }

    @ParameterizedTest
    @MethodSource("strings")
    void quotesAnyString(final String text) throws Exception {
        // a UDP health check's request payload takes any text: it must come back exactly
        final String yaml = "node: {name: q}\ndataplane:\n  interfaces: [{name: lb0, addresses: [198.18.0.1/24]}]\n"
            + "backend-groups:\n  - name: g\n    backends: []\n    health-check:\n      type: udp\n      request: "
            + ConfigTree.quote(text) + "\n";
        final FulcrumConfig config = ConfigLoader.parse(yaml, "q.yaml", Path.of("/"), FeatureGate.ALL);
        assertThat(config.backendGroups().get(0).healthCheck().orElseThrow().udpRequest()).contains(text);
        final FulcrumConfig back = ConfigLoader.parse(ConfigTree.toYaml(ConfigTree.of(config)), "t", Path.of("/"),
            FeatureGate.ALL);
        assertThat(back).isEqualTo(config);
    }

    static Stream<String> strings() {
        return Stream.of("plain", "with \"quotes\" and \\ backslash", "tab\tnew\nline", "$msec [x] \"y\"", "\u0001ctl",
            "ünïcødé ✓", "#comment: not", "- dash", "{brace}", "yes", "null", "123");
    }
}
