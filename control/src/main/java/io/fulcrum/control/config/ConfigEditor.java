package io.fulcrum.control.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.fulcrum.common.config.Endpoint;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.control.runtime.ConfigRefusedException;

/**
 * Edits the {@link ConfigTree} of a running configuration the way control commands ask: add, update and remove
 * listeners, backend groups, backends and health checks. It only finds objects and places values; every value
 * is checked afterwards by the loader's rules ({@link io.fulcrum.control.runtime.ConfigValidation}), so a weight of
 * 101 is refused with the same words as in the file. Objects that do not exist are refused here, by name.
 *
 * <p>Settings are {@code key=value}: dotted keys reach nested settings ({@code timeouts.idle=30}), list keys take
 * comma-separated values ({@code acl.cidrs=10.0.0.0/8,192.0.2.0/24}), an empty value removes the key (back to
 * its default).
 */
public final class ConfigEditor {
    private static final Set<String> LIST_KEYS = Set.of("cidrs", "expected-codes", "addresses", "cpus");

    private final Map<String, Object> tree;

    /** An editor over a copy of the configuration's tree. */
    public ConfigEditor(final FulcrumConfig config) {
        this.tree = ConfigTree.of(config);
    }

    /** The edited tree. */
    public Map<String, Object> tree() {
        return tree;
    }

    // ---------------------------------------------------------------- listeners

    /** Adds a listener with its settings (protocol, vip, port, group, ...). */
    public ConfigEditor addListener(final String name, final List<String> settings) throws ConfigRefusedException {
        requireName("listener", name);
        if (find(list("listeners"), name) != null) {
            throw new ConfigRefusedException("listener '" + name + "' exists already (use update listener)");
        }
        final Map<String, Object> listener = new LinkedHashMap<>();
        listener.put("name", ConfigTree.Scalar.quoted(name));
        apply(listener, settings, Set.of("name"));
        list("listeners").add(listener);
        return this;
    }

    /** Changes settings of a listener. */
    public ConfigEditor updateListener(final String name, final List<String> settings) throws ConfigRefusedException {
        apply(existing("listeners", "listener", name), settings, Set.of("name"));
        return this;
    }

    /** Removes a listener. */
    public ConfigEditor removeListener(final String name) throws ConfigRefusedException {
        list("listeners").remove(existing("listeners", "listener", name));
        dropIfEmpty("listeners");
        return this;
    }

    // ---------------------------------------------------------------- groups

    /** Adds an empty backend group with its settings (scheduler, drain-timeout, ...). */
    public ConfigEditor addGroup(final String name, final List<String> settings) throws ConfigRefusedException {
        requireName("backend group", name);
        if (find(list("backend-groups"), name) != null) {
            throw new ConfigRefusedException("backend group '" + name + "' exists already (use update group)");
        }
        final Map<String, Object> group = new LinkedHashMap<>();
        group.put("name", ConfigTree.Scalar.quoted(name));
        group.put("backends", new ArrayList<>());
        apply(group, settings, Set.of("name", "backends"));
        list("backend-groups").add(group);
        return this;
    }

    /** Changes settings of a backend group. */
    public ConfigEditor updateGroup(final String name, final List<String> settings) throws ConfigRefusedException {
        apply(existing("backend-groups", "backend group", name), settings, Set.of("name", "backends"));
        return this;
    }

    /** Removes a backend group that no listener or rule uses. */
    public ConfigEditor removeGroup(final String name) throws ConfigRefusedException {
        final Map<String, Object> group = existing("backend-groups", "backend group", name);
        final List<String> users = usersOf(name);
        if (!users.isEmpty()) {
            throw new ConfigRefusedException("backend group '" + name + "' is used by " + String.join(", ", users)
                + "; point them elsewhere or remove them first");
        }
        list("backend-groups").remove(group);
        dropIfEmpty("backend-groups");
        return this;
    }

    /** The listeners and rules that send traffic to a group. */
    @SuppressWarnings("unchecked")
    public List<String> usersOf(final String group) {
        final List<String> users = new ArrayList<>();
        for (final Object item : list("listeners")) {
            final Map<String, Object> listener = (Map<String, Object>) item;
            if (matches(listener.get("group"), group)) {
                users.add("listener '" + listener.get("name") + "'");
            }
            if (listener.get("rules") instanceof List<?> rules) {
                for (final Object rule : rules) {
                    if (rule instanceof Map<?, ?> r && matches(r.get("group"), group)) {
                        users.add("rule '" + r.get("name") + "' of listener '" + listener.get("name") + "'");
                    }
                }
            }
        }
        return users;
    }

    // ---------------------------------------------------------------- backends

    /** Adds a backend to a group. */
    public ConfigEditor addBackend(final String group, final String endpoint, final List<String> settings)
        throws ConfigRefusedException {
        final Endpoint at = endpoint(endpoint);
        final List<Object> backends = backends(group);
        if (findBackend(backends, at) != null) {
            throw new ConfigRefusedException("backend " + at + " is already in group '" + group + "' (use update backend)");
        }
        final Map<String, Object> backend = new LinkedHashMap<>();
        backend.put("address", ConfigTree.Scalar.quoted(at.address().toString()));
        backend.put("port", ConfigTree.Scalar.plain(at.port()));
        apply(backend, settings, Set.of("address", "port"));
        backends.add(backend);
        return this;
    }

    /** Changes settings of a backend (weight, backup). */
    public ConfigEditor updateBackend(final String group, final String endpoint, final List<String> settings)
        throws ConfigRefusedException {
        apply(existingBackend(group, endpoint), settings, Set.of("address", "port"));
        return this;
    }

    /** Removes a backend; its connections drain for the group's drain-timeout. */
    public ConfigEditor removeBackend(final String group, final String endpoint) throws ConfigRefusedException {
        backends(group).remove(existingBackend(group, endpoint));
        return this;
    }

    /** Sets a backend's weight. */
    public ConfigEditor weight(final String group, final String endpoint, final String weight) throws ConfigRefusedException {
        return updateBackend(group, endpoint, List.of("weight=" + weight));
    }

    /** Sets a backend's weight to 0: no new connections, existing ones continue. */
    public ConfigEditor drain(final String group, final String endpoint) throws ConfigRefusedException {
        return weight(group, endpoint, "0");
    }

    // ---------------------------------------------------------------- health checks

    /** Creates or changes a group's health check; {@code off} alone removes it (every backend counts as healthy). */
    @SuppressWarnings("unchecked")
    public ConfigEditor healthCheck(final String group, final List<String> settings) throws ConfigRefusedException {
        final Map<String, Object> g = existing("backend-groups", "backend group", group);
        if (settings.equals(List.of("off"))) {
            if (g.remove("health-check") == null) {
                throw new ConfigRefusedException("backend group '" + group + "' has no health check");
            }
            return this;
        }
        if (settings.isEmpty()) {
            throw new ConfigRefusedException("health-check needs settings (type=tcp interval=5 ...) or off");
        }
        final Map<String, Object> check = g.get("health-check") instanceof Map<?, ?> m
            ? (Map<String, Object>) m : new LinkedHashMap<>();
        g.put("health-check", check);
        apply(check, settings, Set.of());
        return this;
    }

    // ---------------------------------------------------------------- helpers

    /** Applies {@code key=value} settings to a mapping. */
    @SuppressWarnings("unchecked")
    static void apply(final Map<String, Object> target, final List<String> settings, final Set<String> fixed)
        throws ConfigRefusedException {
        for (final String setting : settings) {
            final int eq = setting.indexOf('=');
            if (eq <= 0) {
                throw new ConfigRefusedException("setting '" + setting + "' is not key=value");
            }
            final String key = setting.substring(0, eq);
            final String value = setting.substring(eq + 1);
            if (fixed.contains(key)) {
                throw new ConfigRefusedException(key + ": cannot be changed here (it identifies the object)");
            }
            final String[] path = key.split("\\.");
            Map<String, Object> map = target;
            for (int i = 0; i < path.length - 1; i++) {
                if (path[i].isEmpty()) {
                    throw new ConfigRefusedException("setting '" + key + "' has an empty key part");
                }
                final Object child = map.get(path[i]);
                if (child instanceof Map<?, ?> m) {
                    map = (Map<String, Object>) m;
                } else if (child == null) {
                    final Map<String, Object> created = new LinkedHashMap<>();
                    map.put(path[i], created);
                    map = created;
                } else {
                    throw new ConfigRefusedException(String.join(".", List.of(path).subList(0, i + 1))
                        + ": is a single value, not a section");
                }
            }
            final String leaf = path[path.length - 1];
            if (leaf.isEmpty()) {
                throw new ConfigRefusedException("setting '" + key + "' has an empty key part");
            }
            if (value.isEmpty()) {
                map.remove(leaf);
            } else if (LIST_KEYS.contains(leaf)) {
                final List<Object> items = new ArrayList<>();
                for (final String item : value.split(",")) {
                    items.add(ConfigTree.Scalar.typed(item.trim()));
                }
                map.put(leaf, items);
            } else {
                map.put(leaf, ConfigTree.Scalar.typed(value));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(final String key) {
        return (List<Object>) tree.computeIfAbsent(key, k -> new ArrayList<>());
    }

    private void dropIfEmpty(final String key) {
        if (tree.get(key) instanceof List<?> l && l.isEmpty()) {
            tree.remove(key);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> find(final List<Object> items, final String name) {
        for (final Object item : items) {
            if (item instanceof Map<?, ?> m && matches(m.get("name"), name)) {
                return (Map<String, Object>) m;
            }
        }
        return null;
    }

    private Map<String, Object> existing(final String listKey, final String what, final String name)
        throws ConfigRefusedException {
        final Map<String, Object> found = find(list(listKey), name);
        if (found == null) {
            final List<String> names = list(listKey).stream().map(i -> String.valueOf(((Map<?, ?>) i).get("name"))).toList();
            dropIfEmpty(listKey);
            throw new ConfigRefusedException("no " + what + " '" + name + "'" + (names.isEmpty() ? " (there are none)"
                : closest(name, names)));
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    private List<Object> backends(final String group) throws ConfigRefusedException {
        final Map<String, Object> g = existing("backend-groups", "backend group", group);
        return (List<Object>) g.computeIfAbsent("backends", k -> new ArrayList<>());
    }

    private Map<String, Object> existingBackend(final String group, final String endpoint) throws ConfigRefusedException {
        final Endpoint at = endpoint(endpoint);
        final Map<String, Object> found = findBackend(backends(group), at);
        if (found == null) {
            throw new ConfigRefusedException("no backend " + at + " in group '" + group + "'");
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> findBackend(final List<Object> backends, final Endpoint at) {
        for (final Object item : backends) {
            final Map<String, Object> b = (Map<String, Object>) item;
            if (at.address().toString().equals(String.valueOf(b.get("address"))) && String.valueOf(at.port())
                .equals(String.valueOf(b.get("port")))) {
                return b;
            }
        }
        return null;
    }

    /** Parses a backend's {@code address:port}; the refusal names the argument. */
    public static Endpoint endpoint(final String text) throws ConfigRefusedException {
        try {
            return Endpoint.parse(text);
        } catch (final IllegalArgumentException e) {
            throw new ConfigRefusedException("backend address: " + e.getMessage());
        }
    }

    private static void requireName(final String what, final String name) throws ConfigRefusedException {
        if (name == null || name.isEmpty()) {
            throw new ConfigRefusedException(what + " name: is required");
        }
    }

    private static boolean matches(final Object scalar, final String value) {
        return scalar != null && Objects.equals(scalar.toString(), value);
    }

    private static String closest(final String word, final List<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (final String n : names) {
            final int d = distance(word, n);
            if (d < bestDistance) {
                bestDistance = d;
                best = n;
            }
        }
        return best != null && bestDistance <= Math.max(2, word.length() / 3) ? " (did you mean '" + best + "'?)"
            : " (there are: " + String.join(", ", names) + ")";
    }

    private static int distance(final String a, final String b) {
        final int[] prev = new int[b.length() + 1];
        final int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                final int substitution = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), substitution);
            }
            System.arraycopy(cur, 0, prev, 0, cur.length);
        }
        return prev[b.length()];
    }
}
