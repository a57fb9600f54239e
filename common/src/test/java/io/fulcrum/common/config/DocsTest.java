package io.fulcrum.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/** docs/configuration.md documents every key the loader accepts, and every gated feature. */
class DocsTest {
    @Test
    void everyKeyOfTheModelIsDocumented() throws Exception {
        final Path docs = ExamplesTest.EXAMPLES.getParent().resolve("docs/configuration.md");
        final String text = Files.readString(docs);
        // Binding full.yaml visits every mapping of the model and records the keys each one allows.
        final ConfigSource source = new ConfigSource("full.yaml");
        final LoadSettings settings = LoadSettings.builder().build();
        final String yaml = Files.readString(ExamplesTest.EXAMPLES.resolve("full.yaml"));
        final Composer composer = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, yaml)));
        new ConfigBinder(source, ExamplesTest.EXAMPLES, 1024).bind(composer.getSingleNode().orElseThrow());
        assertThat(source.errors()).isEmpty();

        final List<String> keys = new ArrayList<>();
        for (final Map.Entry<String, Set<String>> mapping : source.schema().entrySet()) {
            for (final String key : mapping.getValue()) {
                keys.add(ConfigSource.child(mapping.getKey(), key));
            }
        }
        assertThat(keys).hasSizeGreaterThan(120).contains("dataplane.interfaces[].addresses", "listeners[].rules[].path-match");
        assertThat(keys).allSatisfy(key -> assertThat(text).as("docs/configuration.md documents " + key)
            .contains("`" + key + "`"));
    }

    @Test
    void everyGatedCapabilityIsNamedInTheDocs() throws Exception {
        final String text = Files.readString(ExamplesTest.EXAMPLES.getParent().resolve("docs/configuration.md"));
        for (final FeatureGate.Feature feature : FeatureGate.DEFAULT.features()) {
            if (!feature.supported()) {
                assertThat(text).as("capability of " + feature.path()).contains("not yet (" + feature.capability() + ")");
            }
        }
    }
}
