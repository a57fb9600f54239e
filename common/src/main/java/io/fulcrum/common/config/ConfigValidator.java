package io.fulcrum.common.config;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Checks that span sections: unique names, references between listeners, rules and groups, the
 * port-space rule, and whether a group's persistence and primary/backup setting fit the listeners
 * that use it. Runs after binding, on the records, and reports at the fields' original positions.
 */
final class ConfigValidator {
    private final ConfigSource source;

    ConfigValidator(final ConfigSource source) {
        this.source = source;
    }

    void validate(final FulcrumConfig config) {
        final Map<String, BackendGroupConfig> groups = new LinkedHashMap<>();
        for (final BackendGroupConfig group : config.backendGroups()) {
            final String path = source.pathOf(group);
            if (group.name().isEmpty()) {
                continue;
            }
            final BackendGroupConfig first = groups.putIfAbsent(group.name(), group);
            if (first != null) {
                source.errorAt(path + ".name", "backend group '" + group.name() + "' is defined twice (first at "
                    + source.pathOf(first) + ")");
            }
        }
        final Map<String, ListenerConfig> listeners = new LinkedHashMap<>();
        for (final ListenerConfig listener : config.listeners()) {
            if (listener.name().isEmpty()) {
                continue;
            }
            final ListenerConfig first = listeners.putIfAbsent(listener.name(), listener);
            if (first != null) {
                source.errorAt(source.pathOf(listener) + ".name", "listener '" + listener.name() + "' is defined twice (first at "
                    + source.pathOf(first) + ")");
            }
        }

        final Map<String, ListenerConfig> ports = new HashMap<>();
        for (final ListenerConfig listener : config.listeners()) {
            final String path = source.pathOf(listener);
            final String space = listener.protocol().usesTcpPorts() ? "tcp" : "udp";
            final String key = space + " " + new Endpoint(listener.vip(), listener.port());
            final ListenerConfig owner = ports.putIfAbsent(key, listener);
            if (owner != null) {
                source.errorAt(path + ".port", new Endpoint(listener.vip(), listener.port()) + " is already used by listener '"
                    + owner.name() + "' (" + owner.protocol() + ")" + (listener.protocol().usesTcpPorts()
                    ? "; tcp, http, https and tls listeners share the TCP port space" : ""));
            }
            if (listener.protocol().isL4() && listener.mode() != ForwardingMode.PROXY && !ownsVip(config, listener)) {
                source.errorAt(path + ".vip", listener.vip().isIpv4()
                    ? listener.vip() + " is not an address of any dataplane interface; packet-mode listeners need their VIP "
                        + "in dataplane.interfaces[].addresses (Fulcrum answers ARP for it)"
                    : "IPv6 VIPs are not supported by the packet path yet");
            }
            if (listener.mode() == ForwardingMode.FULLNAT && config.dataplane().localAddresses().isEmpty()) {
                source.errorAt(path + ".mode", "fullnat needs at least one address in dataplane.local-addresses");
            }
            listener.group().ifPresent(name -> checkGroupUse(listener, name, path + ".group", groups));
            listener.redirectTo().ifPresent(name -> checkRedirect(listener, name, path + ".redirect-to", listeners));
            for (final RuleConfig rule : listener.rules()) {
                final String rulePath = source.pathOf(rule);
                rule.group().ifPresent(name -> checkGroupUse(listener, name, rulePath + ".group", groups));
                rule.redirectTo().ifPresent(name -> checkRedirect(listener, name, rulePath + ".redirect-to", listeners));
            }
        }
    }

    private static boolean ownsVip(final FulcrumConfig config, final ListenerConfig listener) {
        if (!listener.vip().isIpv4()) {
            return false;
        }
        final int vip = listener.vip().ipv4();
        return config.dataplane().interfaces().stream().flatMap(i -> i.addresses().stream()).anyMatch(a -> a.address() == vip);
    }

    private void checkGroupUse(final ListenerConfig listener, final String name, final String path,
                               final Map<String, BackendGroupConfig> groups) {
        final BackendGroupConfig group = groups.get(name);
        if (group == null) {
            source.errorAt(path, "unknown backend group '" + name + "'" + Suggestions.didYouMean(name, groups.keySet()));
            return;
        }
        final ListenerProtocol protocol = listener.protocol();
        final Optional<PersistenceConfig> persistence = group.persistence();
        if (persistence.isPresent()) {
            final PersistenceType type = persistence.get().type();
            if (type == PersistenceType.SOURCE_IP && protocol.isHttp()) {
                source.errorAt(path, "group '" + name
                    + "' uses source-ip persistence, which works on tcp, udp and tls listeners; "
                    + "use insert or app-cookie for " + protocol + " listeners");
            } else if (type != PersistenceType.SOURCE_IP && !protocol.isHttp()) {
                source.errorAt(path, "group '" + name + "' uses " + type + " persistence, which needs an http or https listener");
            }
        }
        if (group.protocol() == BackendProtocol.HTTPS && !protocol.isHttp()) {
            source.errorAt(path, "group '" + name + "' has protocol: https (HTTP over TLS to the backends), which needs an"
                + " http or https listener; " + protocol + " listeners relay bytes as they are");
        }
        if (group.isPrimaryBackup() && !protocol.isL4()) {
            source.errorAt(path, "group '" + name + "' is a primary/backup group, which works on tcp and udp listeners only");
        }
        if (group.outlierDetection().isPresent() && protocol.isL4() && listener.mode() != ForwardingMode.PROXY) {
            source.errorAt(source.pathOf(group) + ".outlier-detection", "not supported yet for groups of packet-mode"
                + " (fullnat, dnat) listeners such as '" + listener.name() + "'; the L7 stage and proxy mode use it");
        }
    }

    private void checkRedirect(final ListenerConfig from, final String name, final String path,
                               final Map<String, ListenerConfig> listeners) {
        final ListenerConfig target = listeners.get(name);
        if (target == null) {
            source.errorAt(path, "unknown listener '" + name + "'" + Suggestions.didYouMean(name, listeners.keySet()));
        } else if (target.protocol() != ListenerProtocol.HTTPS) {
            source.errorAt(path, "listener '" + name + "' is " + target.protocol() + "; redirects go to an https listener");
        } else if (target == from) {
            source.errorAt(path, "a listener cannot redirect to itself");
        }
    }
}
