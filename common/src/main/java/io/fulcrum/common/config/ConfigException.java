package io.fulcrum.common.config;

import java.util.List;

/**
 * A configuration file was refused. Carries every problem found, in file order; {@link #getMessage()}
 * lists them one per line in {@code file:line:column: field: message} form.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigError> errors;

    /** Creates the exception from a non-empty error list. */
    public ConfigException(final List<ConfigError> errors) {
        super(format(errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** The problems, in file order. */
    public List<ConfigError> errors() {
        return errors;
    }

    private static String format(final List<ConfigError> errors) {
        final StringBuilder sb = new StringBuilder();
        for (final ConfigError error : errors) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(error);
        }
        return sb.toString();
    }
}
