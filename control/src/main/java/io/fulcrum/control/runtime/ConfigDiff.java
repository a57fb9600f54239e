package io.fulcrum.control.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.BackendGroupConfig;
import io.fulcrum.common.config.Endpoint;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.ListenerConfig;
import io.fulcrum.control.config.ConfigTree;

/**
 * The object-level difference between two configurations, in the order an operator reads it: node, dataplane
 * and control sections, then listeners, backend groups, their health checks and their backends.
 *
 * @param changes every change; empty when the configurations are equal
 */
public record ConfigDiff(List<ConfigChange> changes) {
    /** The empty diff. */
    public static final ConfigDiff NONE = new ConfigDiff(List.of());

    /** Copies the list. */
    public ConfigDiff {
        changes = List.copyOf(changes);
    }

    /** Whether nothing differs. */
    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** The changes to objects of this type. */
    public List<ConfigChange> of(final String objectType) {
        return changes.stream().filter(c -> c.objectType().equals(objectType)).toList();
    }

    /** Computes the difference from {@code from} to {@code to}. */
    public static ConfigDiff between(final FulcrumConfig from, final FulcrumConfig to) {
        final List<ConfigChange> changes = new ArrayList<>();
        final Map<String, Object> fromTree = ConfigTree.of(from);
        final Map<String, Object> toTree = ConfigTree.of(to);
        for (final String section : List.of("node", "dataplane", "control")) {
            section(changes, section, fromTree.get(section), toTree.get(section));
        }
        final Map<String, ListenerConfig> oldListeners = byName(from.listeners(), ListenerConfig::name);
        final Map<String, ListenerConfig> newListeners = byName(to.listeners(), ListenerConfig::name);
        compare(changes, "listener", oldListeners, newListeners, ConfigTree::listener, ConfigTree::listener);

        final Map<String, BackendGroupConfig> oldGroups = byName(from.backendGroups(), BackendGroupConfig::name);
        final Map<String, BackendGroupConfig> newGroups = byName(to.backendGroups(), BackendGroupConfig::name);
        compare(changes, "backend-group", oldGroups, newGroups, ConfigDiff::groupSettings, ConfigDiff::groupSettings);
        final List<String> groupNames = new ArrayList<>(oldGroups.keySet());
        newGroups.keySet().stream().filter(n -> !oldGroups.containsKey(n)).forEach(groupNames::add);
        for (final String group : groupNames) {
            final Optional<Object> oldCheck = Optional.ofNullable(oldGroups.get(group)).flatMap(BackendGroupConfig::healthCheck)
                .<Object>map(ConfigTree::healthCheck);
            final Optional<Object> newCheck = Optional.ofNullable(newGroups.get(group)).flatMap(BackendGroupConfig::healthCheck)
                .<Object>map(ConfigTree::healthCheck);
            if (!oldCheck.equals(newCheck)) {
                changes.add(new ConfigChange(oldCheck.isEmpty() ? ConfigChange.Kind.ADDED : newCheck.isEmpty()
                    ? ConfigChange.Kind.REMOVED : ConfigChange.Kind.CHANGED, "health-check", group,
                    oldCheck.map(ConfigTree::toFlow).orElse(""), newCheck.map(ConfigTree::toFlow).orElse("")));
            }
        }
        for (final String group : groupNames) {
            final Map<String, BackendConfig> oldBackends = backends(oldGroups.get(group));
            final Map<String, BackendConfig> newBackends = backends(newGroups.get(group));
            final List<ConfigChange> backendChanges = new ArrayList<>();
            compare(backendChanges, "backend", oldBackends, newBackends, ConfigTree::backend, ConfigTree::backend);
            backendChanges.forEach(c -> changes.add(new ConfigChange(c.kind(), c.objectType(), group + "/" + c.id(),
                c.oldValue(), c.newValue())));
        }
        return new ConfigDiff(changes);
    }

    /** A group's own settings: everything but its backends and health check (they are diffed as objects). */
    private static Object groupSettings(final BackendGroupConfig group) {
        final Map<String, Object> tree = new LinkedHashMap<>(ConfigTree.group(group));
        tree.remove("backends");
        tree.remove("health-check");
        return tree;
    }

    private static Map<String, BackendConfig> backends(final BackendGroupConfig group) {
        final Map<String, BackendConfig> map = new LinkedHashMap<>();
        if (group != null) {
            group.backends().forEach(b -> map.put(new Endpoint(b.address(), b.port()).toString(), b));
        }
        return map;
    }

    private static void section(final List<ConfigChange> changes, final String name, final Object from, final Object to) {
        if (!Objects.equals(from, to)) {
            changes.add(new ConfigChange(from == null ? ConfigChange.Kind.ADDED : to == null ? ConfigChange.Kind.REMOVED
                : ConfigChange.Kind.CHANGED, name, "", from == null ? "" : ConfigTree.toFlow(from),
                to == null ? "" : ConfigTree.toFlow(to)));
        }
    }

    private static <T> Map<String, T> byName(final List<T> items, final java.util.function.Function<T, String> name) {
        final Map<String, T> map = new LinkedHashMap<>();
        items.forEach(i -> map.put(name.apply(i), i));
        return map;
    }

    private static <T> void compare(final List<ConfigChange> changes, final String type, final Map<String, T> from,
                                    final Map<String, T> to, final java.util.function.Function<T, Object> fromTree,
                                    final java.util.function.Function<T, Object> toTree) {
        for (final Map.Entry<String, T> e : from.entrySet()) {
            final T next = to.get(e.getKey());
            final Object oldTree = fromTree.apply(e.getValue());
            if (next == null) {
                changes.add(new ConfigChange(ConfigChange.Kind.REMOVED, type, e.getKey(), ConfigTree.toFlow(oldTree), ""));
            } else {
                final Object newTree = toTree.apply(next);
                if (!oldTree.equals(newTree)) {
                    changes.add(new ConfigChange(ConfigChange.Kind.CHANGED, type, e.getKey(), ConfigTree.toFlow(oldTree),
                        ConfigTree.toFlow(newTree)));
                }
            }
        }
        for (final Map.Entry<String, T> e : to.entrySet()) {
            if (!from.containsKey(e.getKey())) {
                changes.add(new ConfigChange(ConfigChange.Kind.ADDED, type, e.getKey(), "",
                    ConfigTree.toFlow(toTree.apply(e.getValue()))));
            }
        }
    }
}
