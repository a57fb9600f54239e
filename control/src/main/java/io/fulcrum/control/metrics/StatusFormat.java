package io.fulcrum.control.metrics;

import java.util.Map;

import io.fulcrum.control.audit.Json;
import io.fulcrum.control.runtime.ObjectStats;
import io.fulcrum.control.runtime.StatusView;

/** Renders a {@link StatusView} with rates as the text of {@code fulcrumctl status} and as the status page's JSON. */
public final class StatusFormat {
    private StatusFormat() {
    }

    /** The operator's table. */
    public static String text(final StatusView status, final Map<String, ObjectStats> rates) {
        final StringBuilder sb = new StringBuilder(1024);
        sb.append("node ").append(status.node()).append(", generation ").append(status.generation()).append('\n');
        if (status.listeners().isEmpty()) {
            sb.append("no listeners\n");
        } else {
            sb.append(String.format("%-20s %-5s %-26s %-7s %-16s %10s %8s %8s %8s%n", "LISTENER", "PROTO", "VIP:PORT", "MODE",
                "GROUP", "CONNS", "ACTIVE", "INACTIVE", "NEW/S"));
            for (final StatusView.ListenerStatus l : status.listeners()) {
                final ObjectStats rate = rates.getOrDefault("listener " + l.name(), ObjectStats.ZERO);
                final String vip = l.vip().indexOf(':') >= 0 ? "[" + l.vip() + "]:" + l.port() : l.vip() + ":" + l.port();
                sb.append(String.format("%-20s %-5s %-26s %-7s %-16s %10d %8d %8d %8d%n", l.name(), l.protocol(), vip, l.mode(),
                    l.group().isEmpty() ? "-" : l.group(), l.stats().connections(), l.stats().activeConnections(),
                    l.stats().inactiveConnections(), rate.connections()));
            }
        }
        for (final StatusView.GroupStatus g : status.groups()) {
            sb.append('\n').append("group ").append(g.name()).append(" (").append(g.scheduler()).append(", health check ")
                .append(g.healthChecked() ? "on" : "off").append("): ").append(g.healthy()).append(" healthy, ")
                .append(g.unhealthy()).append(" unhealthy\n");
            if (g.backends().isEmpty()) {
                sb.append("  no backends\n");
                continue;
            }
            sb.append(String.format("  %-28s %6s %-9s %-8s %8s %8s %8s  %s%n", "BACKEND", "WEIGHT", "HEALTH", "STATE", "ACTIVE",
                "INACTIVE", "NEW/S", "LAST CHECK"));
            for (final StatusView.BackendStatus b : g.backends()) {
                final ObjectStats rate = rates.getOrDefault("backend " + g.name() + "/" + b.endpoint(), ObjectStats.ZERO);
                sb.append(String.format("  %-28s %6d %-9s %-8s %8d %8d %8d  %s%n", b.endpoint() + (b.backup() ? " (backup)" : ""),
                    b.weight(), b.health(), b.draining() ? "draining" : "serving", b.stats().activeConnections(),
                    b.stats().inactiveConnections(), rate.connections(), b.healthDetail().isEmpty() ? "-" : b.healthDetail()));
            }
        }
        return sb.toString();
    }

    /** The status page's JSON: the view plus per-second rates. */
    public static String json(final StatusView status, final Map<String, ObjectStats> rates) {
        final StringBuilder sb = new StringBuilder(1024);
        sb.append("{\"node\":").append(Json.string(status.node())).append(",\"generation\":").append(status.generation())
            .append(",\"rates\":{\"node\":");
        stats(sb, rates.getOrDefault("node", ObjectStats.ZERO));
        sb.append("},\"listeners\":[");
        for (int i = 0; i < status.listeners().size(); i++) {
            final StatusView.ListenerStatus l = status.listeners().get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(Json.string(l.name())).append(",\"protocol\":")
                .append(Json.string(l.protocol())).append(",\"vip\":").append(Json.string(l.vip())).append(",\"port\":")
                .append(l.port()).append(",\"mode\":").append(Json.string(l.mode())).append(",\"group\":")
                .append(Json.string(l.group())).append(",\"stats\":");
            stats(sb, l.stats());
            sb.append(",\"rates\":");
            stats(sb, rates.getOrDefault("listener " + l.name(), ObjectStats.ZERO));
            sb.append('}');
        }
        sb.append("],\"groups\":[");
        for (int i = 0; i < status.groups().size(); i++) {
            final StatusView.GroupStatus g = status.groups().get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(Json.string(g.name())).append(",\"scheduler\":")
                .append(Json.string(g.scheduler())).append(",\"healthChecked\":").append(g.healthChecked())
                .append(",\"healthy\":").append(g.healthy()).append(",\"unhealthy\":").append(g.unhealthy())
                .append(",\"backends\":[");
            for (int j = 0; j < g.backends().size(); j++) {
                final StatusView.BackendStatus b = g.backends().get(j);
                sb.append(j == 0 ? "" : ",").append("{\"endpoint\":").append(Json.string(b.endpoint())).append(",\"weight\":")
                    .append(b.weight()).append(",\"backup\":").append(b.backup()).append(",\"health\":")
                    .append(Json.string(b.health().label())).append(",\"lastCheck\":").append(Json.string(b.healthDetail()))
                    .append(",\"draining\":").append(b.draining()).append(",\"stats\":");
                stats(sb, b.stats());
                sb.append(",\"rates\":");
                stats(sb, rates.getOrDefault("backend " + g.name() + "/" + b.endpoint(), ObjectStats.ZERO));
                sb.append('}');
            }
            sb.append("]}");
        }
        return sb.append("]}").toString();
    }

    private static void stats(final StringBuilder sb, final ObjectStats s) {
        sb.append("{\"conns\":").append(s.connections()).append(",\"active\":").append(s.activeConnections())
            .append(",\"inactive\":").append(s.inactiveConnections()).append(",\"inPackets\":").append(s.packetsIn())
            .append(",\"outPackets\":").append(s.packetsOut()).append(",\"inBytes\":").append(s.bytesIn())
            .append(",\"outBytes\":").append(s.bytesOut()).append('}');
    }
}
