package io.fulcrum.common.config;

/**
 * One problem in a configuration file, printed as {@code file:line:column: field: message}.
 *
 * @param file    file name as given to the loader
 * @param line    1-based line
 * @param column  1-based column
 * @param field   path of the offending field, e.g. {@code listeners[0].port}; empty for file-level problems
 * @param message what is wrong, e.g. {@code must be between 1 and 65535, got 70000}
 */
public record ConfigError(String file, int line, int column, String field, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + (field.isEmpty() ? "" : field + ": ") + message;
    }
}
