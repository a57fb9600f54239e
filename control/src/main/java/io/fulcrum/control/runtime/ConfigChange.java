package io.fulcrum.control.runtime;

/**
 * One object that differs between two configurations.
 *
 * @param kind       {@link Kind#ADDED}, {@link Kind#REMOVED} or {@link Kind#CHANGED}
 * @param objectType {@code listener}, {@code backend-group}, {@code backend}, {@code health-check}, {@code node},
 *                   {@code dataplane} or {@code control}
 * @param id         the object's id: a listener or group name, {@code group/address:port} for a backend
 * @param oldValue   the old settings in one-line YAML; empty when added
 * @param newValue   the new settings in one-line YAML; empty when removed
 */
public record ConfigChange(Kind kind, String objectType, String id, String oldValue, String newValue) {
    /** What happened to the object. */
    public enum Kind {
        ADDED("+"), REMOVED("-"), CHANGED("~");

        private final String sign;

        Kind(final String sign) {
            this.sign = sign;
        }

        /** The diff sign: {@code +}, {@code -} or {@code ~}. */
        public String sign() {
            return sign;
        }
    }

    /** The object's type and id, e.g. {@code backend web/198.18.1.2:80}. */
    public String object() {
        return id.isEmpty() ? objectType : objectType + " " + id;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ADDED -> "+ " + object() + " " + newValue;
            case REMOVED -> "- " + object() + " " + oldValue;
            case CHANGED -> "~ " + object() + " " + oldValue + " -> " + newValue;
        };
    }
}
