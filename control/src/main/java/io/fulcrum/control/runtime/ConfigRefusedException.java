package io.fulcrum.control.runtime;

import java.util.List;

/** A command or candidate configuration was refused before anything changed; the message says why, naming the field. */
public final class ConfigRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<String> reasons;

    /** One reason. */
    public ConfigRefusedException(final String reason) {
        this(List.of(reason));
    }

    /** Several reasons, one per line. */
    public ConfigRefusedException(final List<String> reasons) {
        super(String.join("\n", reasons));
        this.reasons = List.copyOf(reasons);
    }

    /** The reasons, one per problem. */
    public List<String> reasons() {
        return reasons;
    }
}
