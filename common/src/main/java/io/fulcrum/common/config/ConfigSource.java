package io.fulcrum.common.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * One file being read: where every field came from (so late checks can still point at a line), the
 * errors found so far, and the keys each mapping allows (the schema, used to check the docs).
 */
final class ConfigSource {
    /** A field's position: where its key is and where its value is. */
    record Where(Optional<Mark> key, Optional<Mark> value, Node node) {
    }

    private final String file;
    private final List<ConfigError> errors = new ArrayList<>();
    private final Map<String, Where> fields = new LinkedHashMap<>();
    private final Map<String, Set<String>> schema = new TreeMap<>();
    private final Map<Object, String> located = new IdentityHashMap<>();

    ConfigSource(final String file) {
        this.file = file;
    }

    String file() {
        return file;
    }

    /** Records that {@code path} is present in the file. */
    void record(final String path, final Optional<Mark> key, final Node value) {
        fields.putIfAbsent(path, new Where(key, value.getStartMark(), value));
    }

    /** Remembers where a bound record came from, for checks that run after binding. */
    <T> T locate(final T value, final String path) {
        located.put(value, path);
        return value;
    }

    /** The path a record was bound from. */
    String pathOf(final Object value) {
        final String path = located.get(value);
        if (path == null) {
            throw new IllegalStateException("record was not located: " + value);
        }
        return path;
    }

    /** Every present field path, in file order. */
    Map<String, Where> fields() {
        return fields;
    }

    void allowKeys(final String path, final List<String> keys) {
        schema.computeIfAbsent(normalize(path), p -> new TreeSet<>()).addAll(keys);
    }

    /** Allowed keys per mapping, paths with list indexes written {@code []}. */
    Map<String, Set<String>> schema() {
        return schema;
    }

    void error(final Optional<Mark> mark, final String field, final String message) {
        final int line = mark.map(m -> m.getLine() + 1).orElse(1);
        final int column = mark.map(m -> m.getColumn() + 1).orElse(1);
        errors.add(new ConfigError(file, line, column, field, message));
    }

    /** Reports a problem with the value at {@code path}, or its nearest present parent. */
    void errorAt(final String path, final String message) {
        error(valueMark(path), path, message);
    }

    /** Reports a problem with the key at {@code path} (unknown, duplicate, unsupported). */
    void errorAtKey(final String path, final String message) {
        final Where where = fields.get(path);
        error(where != null && where.key().isPresent() ? where.key() : valueMark(path), path, message);
    }

    private Optional<Mark> valueMark(final String path) {
        String p = path;
        while (!p.isEmpty()) {
            final Where where = fields.get(p);
            if (where != null) {
                return where.value().isPresent() ? where.value() : where.key();
            }
            p = parent(p);
        }
        final Where root = fields.get("");
        return root == null ? Optional.empty() : root.value();
    }

    /** Whether an error was already reported at {@code path} or below it. */
    boolean hasErrorsUnder(final String path) {
        return errors.stream().anyMatch(e -> e.field().equals(path) || e.field().startsWith(path + ".")
            || e.field().startsWith(path + "["));
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    /** The errors sorted by position (stable, so errors at one spot keep their discovery order). */
    List<ConfigError> errors() {
        final List<ConfigError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparingInt(ConfigError::line).thenComparingInt(ConfigError::column));
        return sorted;
    }

    static String parent(final String path) {
        final int dot = path.lastIndexOf('.');
        final int bracket = path.lastIndexOf('[');
        final int cut = Math.max(dot, bracket);
        return cut < 0 ? "" : path.substring(0, cut);
    }

    static String normalize(final String path) {
        return path.replaceAll("\\[\\d+]", "[]");
    }

    static String child(final String path, final String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
