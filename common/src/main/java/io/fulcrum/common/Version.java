package io.fulcrum.common;

/** The product's name and version, as printed by the launcher. */
public final class Version {
    public static final String NAME = "fulcrum";
    public static final String VERSION = "0.1.0-SNAPSHOT";

    private Version() {
    }
}
