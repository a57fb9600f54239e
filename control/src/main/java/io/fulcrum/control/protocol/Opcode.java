package io.fulcrum.control.protocol;

/**
 * Control requests. Arguments are strings (see each constant); settings are {@code key=value} with dotted keys
 * for nested settings ({@code timeouts.idle=30}), a comma-separated value for list keys, and an empty value to
 * go back to the default.
 */
public enum Opcode {
    /** [format: text|json]. Listeners, groups, backends with health, weight and traffic. */
    STATUS(1, false),
    /** []. Node, listener and backend counters with per-second rates. */
    STATS(2, false),
    /** [listener, backend, client, limit]. Tracked flows. */
    CONNS(3, false),
    /** []. The running configuration as YAML. */
    GET_CONFIG(4, false),
    /** [file name, base directory, text, dry-run true|false]. Validate, diff, apply atomically. */
    APPLY(5, true),
    /** [name, settings...]. */
    ADD_LISTENER(10, true),
    /** [name, settings...]. */
    UPDATE_LISTENER(11, true),
    /** [name]. */
    REMOVE_LISTENER(12, true),
    /** [name, settings...]. */
    ADD_GROUP(20, true),
    /** [name, settings...]. */
    UPDATE_GROUP(21, true),
    /** [name]. */
    REMOVE_GROUP(22, true),
    /** [group, address:port, settings...]. */
    ADD_BACKEND(30, true),
    /** [group, address:port, settings...]. */
    UPDATE_BACKEND(31, true),
    /** [group, address:port]. */
    REMOVE_BACKEND(32, true),
    /** [group, address:port, weight]. */
    WEIGHT(33, true),
    /** [group, address:port]. Weight 0: existing connections continue, no new ones. */
    DRAIN(34, true),
    /** [group, settings...] or [group, "off"]. */
    HEALTH_CHECK(40, true),
    /** [ipvsadm arguments...]. Lists, or edits in ipvsadm terms. */
    IPVSADM(50, true);

    private static final Opcode[] BY_CODE = new Opcode[64];

    static {
        for (final Opcode o : values()) {
            BY_CODE[o.code] = o;
        }
    }

    private final int code;
    private final boolean mutating;

    Opcode(final int code, final boolean mutating) {
        this.code = code;
        this.mutating = mutating;
    }

    /** The wire code. */
    public int code() {
        return code;
    }

    /** Whether the request may change the running state (and is audited). IPVSADM lists do not change it. */
    public boolean mutating() {
        return mutating;
    }

    /** The opcode for a wire code, or null. */
    public static Opcode of(final int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
