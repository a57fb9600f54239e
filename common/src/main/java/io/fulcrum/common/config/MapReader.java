package io.fulcrum.common.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads one YAML mapping into typed values. Every problem becomes a {@link ConfigError} at the right
 * position and the getter returns its default, so binding always runs to the end and reports every
 * problem at once. Unknown and duplicate keys are reported when the reader is created.
 */
final class MapReader {
    /** Binds one list element; returns null when it was refused (the error is already recorded). */
    @FunctionalInterface
    interface ElementBinder<T> {
        T bind(Node node, String path);
    }

    private final ConfigSource source;
    private final String path;
    private final Optional<Mark> mark;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    /** The node was not a mapping: stay quiet about missing keys, the type error says it all. */
    private final boolean broken;

    private MapReader(final ConfigSource source, final String path, final Optional<Mark> mark, final boolean broken) {
        this.source = source;
        this.path = path;
        this.mark = mark;
        this.broken = broken;
    }

    /** A reader over {@code node}, or over nothing when the node is null (an absent section). */
    static MapReader of(final ConfigSource source, final Node node, final String path, final List<String> keys) {
        source.allowKeys(path, keys);
        if (node == null || isNull(node)) {
            return new MapReader(source, path, node == null ? Optional.empty() : node.getStartMark(), false);
        }
        if (!(node instanceof MappingNode mapping)) {
            source.errorAt(path, "expected a mapping of keys, got " + describe(node));
            return new MapReader(source, path, node.getStartMark(), true);
        }
        final MapReader reader = new MapReader(source, path, node.getStartMark(), false);
        final List<NodeTuple> unknown = new ArrayList<>();
        for (final NodeTuple tuple : mapping.getValue()) {
            final Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalarKey)) {
                source.error(keyNode.getStartMark(), path, "keys must be plain words, got " + describe(keyNode));
                continue;
            }
            final String key = scalarKey.getValue();
            final String keyPath = ConfigSource.child(path, key);
            final NodeTuple first = reader.entries.get(key);
            if (first != null) {
                source.error(keyNode.getStartMark(), keyPath, "duplicate key '" + key + "' (first at line "
                    + first.getKeyNode().getStartMark().map(m -> m.getLine() + 1).orElse(0) + ")");
                continue;
            }
            if (!keys.contains(key)) {
                unknown.add(tuple);
                continue;
            }
            reader.entries.put(key, tuple);
            source.record(keyPath, keyNode.getStartMark(), tuple.getValueNode());
        }
        // Suggest only keys not written already: 'prot' next to an existing 'port' means 'protocol'.
        final List<String> unused = keys.stream().filter(k -> !reader.entries.containsKey(k)).toList();
        for (final NodeTuple tuple : unknown) {
            final String key = ((ScalarNode) tuple.getKeyNode()).getValue();
            source.error(tuple.getKeyNode().getStartMark(), ConfigSource.child(path, key),
                "unknown key '" + key + "'" + Suggestions.didYouMean(key, unused));
        }
        return reader;
    }

    String path() {
        return path;
    }

    ConfigSource source() {
        return source;
    }

    /** Whether the key is present with a non-null value. */
    boolean has(final String key) {
        final NodeTuple tuple = entries.get(key);
        return tuple != null && !isNull(tuple.getValueNode());
    }

    /** Whether the key is written at all (even with an empty value). */
    boolean written(final String key) {
        return entries.containsKey(key);
    }

    Node node(final String key) {
        final NodeTuple tuple = entries.get(key);
        return tuple == null || isNull(tuple.getValueNode()) ? null : tuple.getValueNode();
    }

    String pathOf(final String key) {
        return ConfigSource.child(path, key);
    }

    void error(final String key, final String message) {
        source.errorAt(pathOf(key), message);
    }

    /** Reports a required key that is missing; returns false so callers can chain. */
    boolean require(final String key) {
        if (has(key)) {
            return true;
        }
        if (!broken) {
            final Optional<Mark> at = entries.containsKey(key) ? entries.get(key).getKeyNode().getStartMark() : mark;
            source.error(at, pathOf(key), entries.containsKey(key) ? "needs a value" : "is required");
        }
        return false;
    }

    String string(final String key, final String defaultValue) {
        final Node node = node(key);
        if (node == null) {
            return defaultValue;
        }
        final String text = scalar(node, pathOf(key), "a string");
        return text == null ? defaultValue : text;
    }

    /** A required string; "" after an error. */
    String requiredString(final String key) {
        return require(key) ? string(key, "") : "";
    }

    Optional<String> optionalString(final String key) {
        return has(key) ? Optional.ofNullable(scalar(node(key), pathOf(key), "a string")) : Optional.empty();
    }

    int integer(final String key, final int min, final int max, final int defaultValue) {
        return (int) longValue(key, min, max, defaultValue);
    }

    /** A required integer; {@code min} after an error. */
    int requiredInt(final String key, final int min, final int max) {
        return require(key) ? integer(key, min, max, min) : min;
    }

    long longValue(final String key, final long min, final long max, final long defaultValue) {
        final Node node = node(key);
        if (node == null) {
            return defaultValue;
        }
        final Long value = integerOf(source, node, pathOf(key), min, max);
        return value == null ? defaultValue : value;
    }

    boolean bool(final String key, final boolean defaultValue) {
        final Node node = node(key);
        if (node == null) {
            return defaultValue;
        }
        final String text = node instanceof ScalarNode s && s.isPlain() ? s.getValue().toLowerCase() : null;
        if ("true".equals(text)) {
            return true;
        }
        if ("false".equals(text)) {
            return false;
        }
        error(key, "expected true or false, got " + describe(node));
        return defaultValue;
    }

    <E extends Enum<E>> E choice(final String key, final E[] values, final E defaultValue) {
        final Node node = node(key);
        if (node == null) {
            return defaultValue;
        }
        final E value = choiceOf(source, node, pathOf(key), values);
        return value == null ? defaultValue : value;
    }

    /** A value parsed by a value type's parser, whose IllegalArgumentException message becomes the error. */
    <T> T parsed(final String key, final Function<String, T> parser, final T defaultValue) {
        final Node node = node(key);
        if (node == null) {
            return defaultValue;
        }
        final T value = parsedOf(source, node, pathOf(key), parser);
        return value == null ? defaultValue : value;
    }

    /** A list; elements the binder refuses are left out (their errors are recorded). Absent means empty. */
    <T> List<T> list(final String key, final ElementBinder<T> binder) {
        final List<T> result = new ArrayList<>();
        final Node node = node(key);
        if (node == null) {
            return result;
        }
        if (!(node instanceof SequenceNode sequence)) {
            error(key, "expected a list, got " + describe(node));
            return result;
        }
        final List<Node> items = sequence.getValue();
        for (int i = 0; i < items.size(); i++) {
            final String itemPath = pathOf(key) + "[" + i + "]";
            source.record(itemPath, Optional.empty(), items.get(i));
            final T value = binder.bind(items.get(i), itemPath);
            if (value != null) {
                result.add(value);
            }
        }
        return result;
    }

    /** A nested mapping, read even when absent so that its defaults come from one place. */
    MapReader section(final String key, final List<String> keys) {
        if (broken) {
            source.allowKeys(pathOf(key), keys);
            return new MapReader(source, pathOf(key), mark, true);
        }
        return of(source, node(key), pathOf(key), keys);
    }

    /** A section that must be present; when it is missing, only that is reported, not every key inside it. */
    MapReader requiredSection(final String key, final List<String> keys) {
        if (!require(key)) {
            source.allowKeys(pathOf(key), keys);
            return new MapReader(source, pathOf(key), mark, true);
        }
        return section(key, keys);
    }

    // ---- element helpers, also used for list items ----

    static String scalar(final ConfigSource source, final Node node, final String path, final String expected) {
        if (node instanceof ScalarNode s && !isNull(node)) {
            return s.getValue();
        }
        source.errorAt(path, "expected " + expected + ", got " + describe(node));
        return null;
    }

    private String scalar(final Node node, final String path, final String expected) {
        return scalar(source, node, path, expected);
    }

    static Long integerOf(final ConfigSource source, final Node node, final String path, final long min, final long max) {
        if (!(node instanceof ScalarNode s) || !s.isPlain() || !s.getValue().matches("-?[0-9]+")) {
            source.errorAt(path, "expected an integer, got " + describe(node));
            return null;
        }
        final BigInteger value = new BigInteger(s.getValue());
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            source.errorAt(path, "must be between " + min + " and " + max + ", got " + s.getValue());
            return null;
        }
        return value.longValue();
    }

    static <E extends Enum<E>> E choiceOf(final ConfigSource source, final Node node, final String path, final E[] values) {
        final String text = scalar(source, node, path, "one of " + tokens(values));
        if (text == null) {
            return null;
        }
        for (final E value : values) {
            if (value.toString().equals(text)) {
                return value;
            }
        }
        source.errorAt(path, "must be one of " + tokens(values) + ", got '" + text + "'");
        return null;
    }

    static <T> T parsedOf(final ConfigSource source, final Node node, final String path, final Function<String, T> parser) {
        final String text = scalar(source, node, path, "a string");
        if (text == null) {
            return null;
        }
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            source.errorAt(path, e.getMessage());
            return null;
        }
    }

    static <E extends Enum<E>> String tokens(final E[] values) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(i == values.length - 1 ? " or " : ", ");
            }
            sb.append(values[i]);
        }
        return sb.toString();
    }

    static boolean isNull(final Node node) {
        return node instanceof ScalarNode s && Tag.NULL.equals(s.getTag()) && s.isPlain();
    }

    static String describe(final Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (isNull(node)) {
            return "nothing";
        }
        if (node instanceof ScalarNode s) {
            return s.isPlain() ? "'" + s.getValue() + "'" : "the quoted string \"" + s.getValue() + "\"";
        }
        return "a " + node.getNodeType().name().toLowerCase();
    }
}
