package io.fulcrum.control.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fulcrum.common.config.ConfigError;
import io.fulcrum.common.config.ConfigException;
import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.FeatureGate;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.control.config.ConfigTree;

/**
 * Validates candidate configurations with exactly the configuration file's rules: the candidate is written as
 * YAML and read back by {@link ConfigLoader} under the node's {@link FeatureGate}. Errors name the field; list
 * positions are replaced by the object's name ({@code backend-groups[web].backends[198.18.1.2:80].weight}) since
 * the YAML text is generated and its line numbers mean nothing to the operator.
 */
public final class ConfigValidation {
    private static final String SOURCE = "running-config";
    private static final Pattern INDEX = Pattern.compile("(listeners|backend-groups|backends|rules)\\[(\\d+)]");

    private ConfigValidation() {
    }

    /** Validates an edited tree; returns the configuration it describes. */
    public static FulcrumConfig validate(final Map<String, Object> tree, final FeatureGate gate) throws ConfigRefusedException {
        try {
            return ConfigLoader.parse(ConfigTree.toYaml(tree), SOURCE, Path.of("/"), gate);
        } catch (final ConfigException e) {
            final List<String> reasons = new ArrayList<>();
            for (final ConfigError error : e.errors()) {
                reasons.add((error.field().isEmpty() ? "" : named(tree, error.field()) + ": ") + error.message());
            }
            throw new ConfigRefusedException(reasons);
        }
    }

    /** Validates a configuration built in code (round trip through the file format). */
    public static FulcrumConfig validate(final FulcrumConfig config, final FeatureGate gate) throws ConfigRefusedException {
        return validate(ConfigTree.of(config), gate);
    }

    /** Parses a whole file sent by a client; errors keep the client's file, line and column. */
    public static FulcrumConfig parseFile(final String text, final String fileName, final Path baseDir, final FeatureGate gate)
        throws ConfigRefusedException {
        try {
            return ConfigLoader.parse(text, fileName, baseDir, gate);
        } catch (final ConfigException e) {
            throw new ConfigRefusedException(e.errors().stream().map(ConfigError::toString).toList());
        }
    }

    /** Replaces list indices in a field path by the names of the objects at those positions. */
    @SuppressWarnings("unchecked")
    static String named(final Map<String, Object> tree, final String field) {
        final Matcher m = INDEX.matcher(field);
        final StringBuilder sb = new StringBuilder();
        Object node = tree;
        int last = 0;
        while (m.find()) {
            // walk the dotted keys between the previous index and this one
            final String between = field.substring(last, m.start());
            for (final String key : between.split("\\.")) {
                if (!key.isEmpty() && node instanceof Map<?, ?> map) {
                    node = map.get(key);
                }
            }
            final Object list = node instanceof Map<?, ?> map ? map.get(m.group(1)) : null;
            final int index = Integer.parseInt(m.group(2));
            String label = m.group(2);
            node = null;
            if (list instanceof List<?> items && index < items.size() && items.get(index) instanceof Map<?, ?> item) {
                node = item;
                label = labelOf((Map<String, Object>) item, m.group(2));
            }
            sb.append(field, last, m.start()).append(m.group(1)).append('[').append(label).append(']');
            last = m.end();
        }
        return sb.append(field.substring(last)).toString();
    }

    private static String labelOf(final Map<String, Object> item, final String fallback) {
        if (item.get("name") != null) {
            return item.get("name").toString();
        }
        if (item.get("address") != null && item.get("port") != null) {
            final String address = item.get("address").toString();
            return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + item.get("port");
        }
        return fallback;
    }
}
