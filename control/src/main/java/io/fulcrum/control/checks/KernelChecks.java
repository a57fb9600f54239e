package io.fulcrum.control.checks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fulcrum.common.config.DataplaneConfig;
import io.fulcrum.common.config.InterfaceConfig;
import io.fulcrum.common.config.IoMode;
import io.fulcrum.forwarder.io.afpacket.AfPacketChecks;
import io.fulcrum.forwarder.io.afpacket.AfPacketChecks.Finding;
import io.fulcrum.forwarder.io.afpacket.AfPacketChecks.Severity;

/**
 * Kernel settings packet mode depends on beyond those {@link AfPacketChecks} enforces for AF_PACKET (ip_forward,
 * addresses on kernel interfaces, GRO/LRO), each with the command that fixes it ({@code scripts/tune-sysctl.sh}
 * applies the sysctls):
 * <ul>
 *   <li>{@code arp_ignore=1} and {@code arp_announce=2} on every LB interface (warning): Fulcrum answers ARP for its
 *       own addresses; with the defaults (0/0) the kernel answers ARP on an LB interface for any address the host has
 *       on any interface and announces addresses of other interfaces, so neighbours can learn the wrong MAC;</li>
 *   <li>{@code rp_filter} not strict (1) on LB interfaces (warning): health checks and management traffic leave
 *       through the kernel while replies may arrive on an LB interface; strict reverse-path filtering drops them;</li>
 *   <li>locked memory for AF_XDP UMEMs (error): kernels before 5.11 charge UMEM pages to RLIMIT_MEMLOCK, and an
 *       AF_XDP socket fails with ENOBUFS/EPERM when the limit is smaller than the UMEM (later kernels charge the
 *       memory cgroup instead).</li>
 * </ul>
 */
public final class KernelChecks {
    private static final Pattern KERNEL = Pattern.compile("(\\d+)\\.(\\d+)");
    private static final Pattern MEMLOCK = Pattern.compile("(?m)^Max locked memory\\s+(\\S+)\\s+(\\S+)\\s+bytes");

    private KernelChecks() {
    }

    /** Runs the checks against the real /proc. */
    public static List<Finding> run(final DataplaneConfig dataplane) {
        return run(dataplane, Path.of("/proc"));
    }

    /** Runs the checks against a /proc tree (tests give a fake one). */
    public static List<Finding> run(final DataplaneConfig dataplane, final Path proc) {
        final List<Finding> findings = new ArrayList<>();
        for (final InterfaceConfig iface : dataplane.interfaces()) {
            final Path conf = proc.resolve("sys/net/ipv4/conf").resolve(iface.name());
            sysctl(findings, conf.resolve("arp_ignore"), "net.ipv4.conf." + iface.name() + ".arp_ignore", "1",
                v -> v.equals("1") || v.equals("2"), "the kernel answers ARP on " + iface.name()
                    + " for addresses of other interfaces");
            sysctl(findings, conf.resolve("arp_announce"), "net.ipv4.conf." + iface.name() + ".arp_announce", "2",
                "2"::equals, "the kernel may announce addresses of other interfaces in ARP requests sent on " + iface.name());
            sysctl(findings, conf.resolve("rp_filter"), "net.ipv4.conf." + iface.name() + ".rp_filter", "2",
                v -> !v.equals("1"), "strict reverse-path filtering drops health-check and management replies that "
                    + "arrive on " + iface.name());
        }
        if (dataplane.io() != IoMode.AF_PACKET) {
            final long umemBytes = (long) dataplane.ringSize() * 2 * dataplane.frameSize() * dataplane.agents()
                * Math.max(1, dataplane.interfaces().size());
            memlock(findings, proc, umemBytes, dataplane.io() == IoMode.AF_XDP);
        }
        return List.copyOf(findings);
    }

    private static void sysctl(final List<Finding> findings, final Path file, final String key, final String recommended,
                               final java.util.function.Predicate<String> ok, final String why) {
        final Optional<String> value = read(file);
        if (value.isPresent() && !ok.test(value.get())) {
            findings.add(new Finding(Severity.WARNING, key, "is " + value.get() + ": " + why,
                "sysctl -w " + key + "=" + recommended + "   (or scripts/tune-sysctl.sh)"));
        }
    }

    static void memlock(final List<Finding> findings, final Path proc, final long umemBytes, final boolean required) {
        final Optional<String> release = read(proc.resolve("sys/kernel/osrelease"));
        final Matcher version = KERNEL.matcher(release.orElse(""));
        if (!version.find()) {
            return;
        }
        final int major = Integer.parseInt(version.group(1));
        final int minor = Integer.parseInt(version.group(2));
        if (major > 5 || major == 5 && minor >= 11) {
            return; // UMEM is charged to the memory cgroup, RLIMIT_MEMLOCK does not apply
        }
        final Matcher limit = MEMLOCK.matcher(read(proc.resolve("self/limits")).orElse(""));
        if (!limit.find() || "unlimited".equals(limit.group(1))) {
            return;
        }
        final long soft = Long.parseLong(limit.group(1));
        if (soft < umemBytes) {
            findings.add(new Finding(required ? Severity.ERROR : Severity.WARNING, "RLIMIT_MEMLOCK",
                "is " + soft + " bytes but the AF_XDP UMEMs need " + umemBytes + " bytes on kernel " + release.get().strip()
                    + (required ? "" : " (io: auto will fall back to AF_PACKET)"),
                "ulimit -l unlimited   (systemd: LimitMEMLOCK=infinity)"));
        }
    }

    private static Optional<String> read(final Path file) {
        try {
            return Optional.of(Files.readString(file).strip());
        } catch (final IOException e) {
            return Optional.empty();
        }
    }
}
