package io.fulcrum.common.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Which parts of the configuration this build can act on. The rule: a key that is accepted either works
 * or is refused with "not supported yet"; it is never silently ignored. Everything is parsed and validated
 * first, then every written key that matches an unsupported feature is refused at its own position.
 *
 * <p>{@link #FEATURES} is the whole list. A feature path names a key ({@code dataplane.flow-table}), with
 * {@code []} standing for any list element ({@code listeners[].acl}), optionally with a value
 * ({@code listeners[].protocol=https}: refused only when written with that value). Enabling a feature is
 * a one-line change: turn its {@code planned(...)} line into {@code supported(...)}. When a feature is
 * refused, refusals of the features inside it are not repeated.
 */
public final class FeatureGate {
    /**
     * One gated part of the configuration.
     *
     * @param path       feature path, see the class comment
     * @param capability what brings it, shown in the refusal; empty for supported features
     * @param supported  whether this build acts on it
     */
    public record Feature(String path, String capability, boolean supported) {
    }

    /** The inventory. Order is documentation order; supported features are listed so the picture is complete. */
    static final List<Feature> FEATURES = List.of(
        supported("node"),
        supported("dataplane"),
        supported("dataplane.local-addresses"),
        supported("dataplane.flow-table"),
        supported("dataplane.routes"),
        supported("listeners"),
        supported("listeners[].mode=dnat"),
        supported("listeners[].mode=proxy"),
        supported("listeners[].protocol=http"),
        supported("listeners[].protocol=https"),
        supported("listeners[].protocol=tls"),
        supported("listeners[].acl"),
        supported("listeners[].toa"),
        supported("listeners[].proxy-protocol"),
        supported("listeners[].mtls"),
        supported("listeners[].rules"),
        supported("listeners[].redirect-to"),
        supported("listeners[].access-log"),
        supported("backend-groups"),
        supported("backend-groups[].health-check"),
        supported("backend-groups[].persistence"),
        supported("backend-groups[].slow-start"),
        supported("backend-groups[].outlier-detection"),
        supported("backend-groups[].protocol=https"),
        supported("backend-groups[].tls"),
        supported("control.aeron-dir"),
        supported("control.channel"),
        supported("control.metrics"),
        supported("control.audit-log"));

    /** What this build supports: the gate {@link ConfigLoader} uses unless told otherwise. */
    public static final FeatureGate DEFAULT = new FeatureGate(FEATURES);

    /** Every feature enabled: for tests of the whole model and for checking files ahead of the features. */
    public static final FeatureGate ALL = new FeatureGate(FEATURES.stream()
        .map(f -> new Feature(f.path(), f.capability(), true)).toList());

    private final List<Feature> inventory;

    private FeatureGate(final List<Feature> inventory) {
        this.inventory = List.copyOf(inventory);
    }

    /**
     * This gate with {@code path} refused as "not supported yet (arrives with {@code capability})": how a feature
     * is taken out of a build, and how the tests exercise the gate when everything in the inventory is supported.
     */
    FeatureGate withPlanned(final String path, final String capability) {
        final List<Feature> changed = new ArrayList<>(inventory.stream().filter(f -> !f.path().equals(path)).toList());
        changed.add(planned(path, capability));
        return new FeatureGate(changed);
    }

    /** The inventory as this gate sees it. */
    public List<Feature> features() {
        return inventory;
    }

    /** Whether the feature with exactly this path is enabled; unknown paths are not gated and count as enabled. */
    public boolean isSupported(final String featurePath) {
        return inventory.stream().filter(f -> f.path().equals(featurePath)).allMatch(Feature::supported);
    }

    /** Refuses every written key of an unsupported feature. */
    void check(final ConfigSource source) {
        final List<Feature> unsupported = new ArrayList<>(inventory.stream().filter(f -> !f.supported()).toList());
        unsupported.sort(Comparator.comparingInt(f -> depth(f.path())));
        final List<String> refused = new ArrayList<>();
        for (final Feature feature : unsupported) {
            final int eq = feature.path().indexOf('=');
            final String keyPattern = eq < 0 ? feature.path() : feature.path().substring(0, eq);
            final String value = eq < 0 ? null : feature.path().substring(eq + 1);
            for (final Map.Entry<String, ConfigSource.Where> field : source.fields().entrySet()) {
                final String path = field.getKey();
                if (!ConfigSource.normalize(path).equals(keyPattern) || insideRefused(path, refused)) {
                    continue;
                }
                if (value != null && !(field.getValue().node() instanceof ScalarNode s && s.getValue().equals(value))) {
                    continue;
                }
                refused.add(path);
                source.errorAtKey(path, "not supported yet (arrives with " + feature.capability() + ")");
            }
        }
    }

    private static boolean insideRefused(final String path, final List<String> refused) {
        for (final String r : refused) {
            if (path.equals(r) || path.startsWith(r + ".") || path.startsWith(r + "[")) {
                return true;
            }
        }
        return false;
    }

    private static int depth(final String path) {
        return path.split("[.\\[]").length;
    }

    private static Feature supported(final String path) {
        return new Feature(path, "", true);
    }

    private static Feature planned(final String path, final String capability) {
        return new Feature(path, capability, false);
    }
}
