package io.fulcrum.tls;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * A listener's source ACL, checked when a connection is accepted (or a UDP session is created), before any byte is
 * read: {@code ALLOW} admits only the listed prefixes (an empty list admits nobody), {@code DENY} refuses them.
 *
 * @param mode  off, allow or deny
 * @param cidrs IPv4/IPv6 prefixes ({@code 10.0.0.0/8}, {@code 2001:db8::/32})
 */
public record AclSettings(Mode mode, List<String> cidrs) {
    /** Everyone admitted. */
    public static final AclSettings OFF = new AclSettings(Mode.OFF, List.of());

    /** How the list is applied. */
    public enum Mode {
        /** No check. */
        OFF,
        /** Only listed sources. */
        ALLOW,
        /** Listed sources refused. */
        DENY
    }

    /** Validates and copies. */
    public AclSettings {
        Objects.requireNonNull(mode, "mode");
        cidrs = List.copyOf(cidrs);
        for (String cidr : cidrs) {
            CidrSet.parse(cidr);
        }
    }

    /** The check this ACL describes, built once per listener. */
    public Check check() {
        return new Check(mode, CidrSet.of(cidrs));
    }

    /** The compiled ACL: {@link #admits} is a binary search over merged ranges. */
    public static final class Check {
        private final Mode mode;
        private final CidrSet set;

        private Check(Mode mode, CidrSet set) {
            this.mode = mode;
            this.set = set;
        }

        /** Whether a connection from {@code source} may be served. */
        public boolean admits(InetAddress source) {
            return switch (mode) {
                case OFF -> true;
                case ALLOW -> source != null && set.contains(source);
                case DENY -> source == null || !set.contains(source);
            };
        }

        /** Whether the check admits everyone without looking. */
        public boolean isOff() {
            return mode == Mode.OFF;
        }
    }
}
