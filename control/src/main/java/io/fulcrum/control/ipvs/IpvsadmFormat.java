package io.fulcrum.control.ipvs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.fulcrum.common.config.BackendConfig;
import io.fulcrum.common.config.BackendGroupConfig;
import io.fulcrum.common.config.Endpoint;
import io.fulcrum.common.config.ForwardingMode;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.common.config.IpAddress;
import io.fulcrum.common.config.ListenerConfig;
import io.fulcrum.common.config.ListenerProtocol;
import io.fulcrum.common.config.PersistenceType;
import io.fulcrum.control.runtime.DataplaneState;
import io.fulcrum.control.runtime.ObjectStats;

/**
 * ipvsadm's listings, with its printf formats (ipvsadm.c {@code print_title}, {@code print_service_entry},
 * {@code print_largenum}, {@code list_conn}) applied to Fulcrum's TCP and UDP listeners: a listener is a virtual
 * service, its default group's backends are the real servers. Services sort as ipvsadm sorts them (IPv4 before
 * IPv6, TCP before UDP, then address and port); real servers by address and port. Addresses are always numeric
 * ({@code -n} is implied). The forwarding column says {@code FullNat} (as DPVS's ipvsadm does), {@code Masq}
 * for DNAT and {@code Local} for proxy mode.
 */
public final class IpvsadmFormat {
    /** The IPVS version ipvsadm reports for the kernel API this output mirrors. */
    static final String VERSION_LINE = "IP Virtual Server version 1.2.1 (size=%d)%n";

    /** Which listing. */
    public enum Kind {
        /** {@code -Ln}. */
        PLAIN,
        /** {@code -Ln --stats}. */
        STATS,
        /** {@code -Ln --rate}. */
        RATE
    }

    private IpvsadmFormat() {
    }

    /** The listing of every service, or of one ({@code service} present: no version line, as ipvsadm). */
    public static String list(final FulcrumConfig config, final DataplaneState state, final Map<String, ObjectStats> rates,
                              final Kind kind, final boolean exact, final Optional<ListenerConfig> service) {
        final StringBuilder sb = new StringBuilder(512);
        state.refresh();
        if (service.isEmpty()) {
            sb.append(String.format(VERSION_LINE, config.dataplane().flowTable().capacity()));
        }
        title(sb, kind);
        final List<ListenerConfig> services = new ArrayList<>(service.map(List::of).orElseGet(() -> services(config)));
        services.sort(SERVICE_ORDER);
        for (final ListenerConfig l : services) {
            entry(sb, config, state, rates, l, kind, exact);
        }
        return sb.toString();
    }

    /** The TCP and UDP listeners (ipvsadm's virtual services). */
    public static List<ListenerConfig> services(final FulcrumConfig config) {
        return config.listeners().stream().filter(l -> l.protocol().isL4()).toList();
    }

    static final Comparator<IpAddress> ADDRESS_ORDER = Comparator.comparingInt(IpAddress::version)
        .thenComparing(IpAddress::high, Long::compareUnsigned).thenComparing(IpAddress::low, Long::compareUnsigned);

    static final Comparator<ListenerConfig> SERVICE_ORDER = Comparator.comparingInt((ListenerConfig l) -> l.vip().version())
        .thenComparingInt(l -> l.protocol() == ListenerProtocol.TCP ? 6 : 17)
        .thenComparing(ListenerConfig::vip, ADDRESS_ORDER).thenComparingInt(ListenerConfig::port);

    private static void title(final StringBuilder sb, final Kind kind) {
        switch (kind) {
            case STATS -> sb.append(String.format("%-33s %8s %8s %8s %8s %8s%n  -> RemoteAddress:Port%n",
                "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"));
            case RATE -> sb.append(String.format("%-33s %8s %8s %8s %8s %8s%n  -> RemoteAddress:Port%n",
                "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"));
            default -> sb.append("Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        }
    }

    private static void entry(final StringBuilder sb, final FulcrumConfig config, final DataplaneState state,
                              final Map<String, ObjectStats> rates, final ListenerConfig l, final Kind kind,
                              final boolean exact) {
        final boolean v6 = !l.vip().isIpv4();
        String svcName = (l.protocol() == ListenerProtocol.TCP ? "TCP" : "UDP") + "  " + new Endpoint(l.vip(), l.port());
        if (!v6 && svcName.length() > 33) {
            svcName = svcName.substring(0, 33);
        }
        final Optional<BackendGroupConfig> group = l.group().flatMap(config::backendGroup);
        final ObjectStats stats = state.listenerStats(l.name());
        final ObjectStats rate = rates.getOrDefault("listener " + l.name(), ObjectStats.ZERO);
        switch (kind) {
            case STATS -> {
                sb.append(String.format("%-33s", svcName));
                largeNumbers(sb, exact, stats.connections(), stats.packetsIn(), stats.packetsOut(), stats.bytesIn(),
                    stats.bytesOut());
            }
            case RATE -> {
                sb.append(String.format("%-33s", svcName));
                largeNumbers(sb, exact, rate.connections(), rate.packetsIn(), rate.packetsOut(), rate.bytesIn(), rate.bytesOut());
            }
            default -> {
                sb.append(svcName).append(' ').append(group.map(g -> g.scheduler().token()).orElse("none"));
                group.flatMap(BackendGroupConfig::persistence).filter(p -> p.type() == PersistenceType.SOURCE_IP)
                    .ifPresent(p -> sb.append(" persistent ").append(p.timeoutSeconds()));
            }
        }
        sb.append('\n');
        if (group.isEmpty()) {
            return;
        }
        final List<BackendConfig> backends = new ArrayList<>(group.get().backends());
        backends.sort(Comparator.comparing(BackendConfig::address, ADDRESS_ORDER).thenComparingInt(BackendConfig::port));
        for (final BackendConfig b : backends) {
            String dname = new Endpoint(b.address(), b.port()).toString();
            if (!v6 && dname.length() > 28) {
                dname = dname.substring(0, 28);
            }
            final ObjectStats bs = state.backendStats(group.get().name(), b);
            final ObjectStats br = rates.getOrDefault("backend " + group.get().name() + "/" + new Endpoint(b.address(), b.port()),
                ObjectStats.ZERO);
            switch (kind) {
                case STATS -> {
                    sb.append(String.format("  -> %-28s", dname));
                    largeNumbers(sb, exact, bs.connections(), bs.packetsIn(), bs.packetsOut(), bs.bytesIn(), bs.bytesOut());
                    sb.append('\n');
                }
                case RATE -> {
                    sb.append(String.format("  -> %-28s %8d %8d %8d", dname, br.connections(), br.packetsIn(), br.packetsOut()));
                    largeNumbers(sb, exact, br.bytesIn(), br.bytesOut());
                    sb.append('\n');
                }
                default -> sb.append(String.format("  -> %-28s %-7s %-6d %-10d %-10d%n", dname, forward(l.mode()), b.weight(),
                    bs.activeConnections(), bs.inactiveConnections()));
            }
        }
    }

    /** ipvsadm's {@code print_largenum}: 9 columns, K/M/G/T above 10^8 unless {@code --exact}. */
    static void largeNumbers(final StringBuilder sb, final boolean exact, final long... values) {
        for (final long i : values) {
            if (exact) {
                final int len = Long.toUnsignedString(i).length();
                sb.append(String.format("%" + (len <= 8 ? 9 : len + 1) + "s", Long.toUnsignedString(i)));
            } else if (i < 100_000_000L) {
                sb.append(String.format("%9d", i));
            } else if (i < 1_000_000_000L) {
                sb.append(String.format("%8dK", i / 1000));
            } else if (i < 100_000_000_000L) {
                sb.append(String.format("%8dM", i / 1_000_000));
            } else if (i < 100_000_000_000_000L) {
                sb.append(String.format("%8dG", i / 1_000_000_000L));
            } else {
                sb.append(String.format("%8dT", i / 1_000_000_000_000L));
            }
        }
    }

    static String forward(final ForwardingMode mode) {
        return switch (mode) {
            case FULLNAT -> "FullNat";
            case DNAT -> "Masq";
            case PROXY -> "Local";
        };
    }

    /** {@code ipvsadm -Lnc}: the connection entries (list_conn, print_conn). */
    public static String connections(final List<DataplaneState.FlowEntry> flows) {
        final StringBuilder sb = new StringBuilder(256);
        sb.append("IPVS connection entries\n");
        sb.append(String.format("pro expire %-11s %-18s %-18s %s%n", "state", "source", "virtual", "destination"));
        for (final DataplaneState.FlowEntry f : flows) {
            final String expire = String.format("%02d:%02d", f.expiresSeconds() / 60, f.expiresSeconds() % 60);
            sb.append(String.format("%-3s %-6s %-11s %-18s %-18s %s%n", f.protocol(), expire, f.state(), f.client(),
                f.virtual(), f.backend()));
        }
        return sb.toString();
    }
}
