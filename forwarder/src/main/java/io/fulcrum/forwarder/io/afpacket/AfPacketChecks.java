package io.fulcrum.forwarder.io.afpacket;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.fulcrum.forwarder.io.sys.Syscalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Startup checks of the kernel settings the AF_PACKET path depends on. AF_PACKET only taps frames: the
 * kernel stack still processes each one, so a wrong setting makes the kernel act on Fulcrum's traffic too.
 *
 * <ul>
 *   <li>{@code net.ipv4.ip_forward} must be 0 in the LB's namespace, or the kernel forwards a second copy of
 *       every frame (ERROR).</li>
 *   <li>No owned address (VIP, local address) may be configured on a kernel interface, or the kernel answers
 *       its traffic itself, e.g. with RSTs to SYNs (ERROR).</li>
 *   <li>GRO and LRO should be off on LB interfaces: AF_PACKET sees merged super-frames that cannot be
 *       forwarded as they are (WARNING).</li>
 * </ul>
 *
 * <p>Every check runs in the calling thread's network namespace. Every finding carries the exact command
 * that fixes it; {@link #enforce} refuses to start on errors. Setup-time only: it allocates and does I/O.
 */
public final class AfPacketChecks {
    static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETIFADDRS = LINKER.downcallHandle(LINKER.defaultLookup().find("getifaddrs").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS), Linker.Option.captureCallState("errno"));
    private static final MethodHandle FREEIFADDRS = LINKER.downcallHandle(
        LINKER.defaultLookup().find("freeifaddrs").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
    private static final ValueLayout.OfInt BIG_ENDIAN_INT = JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);

    // struct ifaddrs (x86_64/aarch64): next@0 name@8 flags@16 addr@24 netmask@32
    private static final long IFA_NEXT = 0;
    private static final long IFA_NAME = 8;
    private static final long IFA_ADDR = 24;
    private static final long IFA_NETMASK = 32;
    private static final long IFADDRS_SIZE = 56;
    private static final long SOCKADDR_IN_SIZE = 16;
    private static final long SIN_ADDR = 4;
    private static final int ENODEV = 19;

    private AfPacketChecks() {
    }

    /** How bad a finding is. */
    public enum Severity {
        /** The data path would misbehave: startup refuses. */
        ERROR,
        /** The data path works but drops or mangles some traffic. */
        WARNING
    }

    /**
     * One problem found.
     *
     * @param severity   whether startup refuses.
     * @param subject    what is wrong, e.g. {@code net.ipv4.ip_forward} or {@code lb0}.
     * @param problem    what is wrong and why it matters.
     * @param fixCommand the shell command that fixes it.
     */
    public record Finding(Severity severity, String subject, String problem, String fixCommand) {
        @Override
        public String toString() {
            return severity + " " + subject + ": " + problem + "\n  fix: " + fixCommand;
        }
    }

    /** An IPv4 address configured on a kernel interface. */
    record KernelAddress(String interfaceName, int address, int prefixLength) {
    }

    /** Runs every check in the calling thread's namespace; fix commands are for a shell in that namespace. */
    public static List<Finding> run(final List<String> interfaceNames, final int[] ownedAddresses) {
        return run(interfaceNames, ownedAddresses, null);
    }

    /**
     * Runs every check in the calling thread's namespace.
     *
     * @param interfaceNames the LB interfaces (GRO/LRO).
     * @param ownedAddresses the IPv4 addresses Fulcrum answers for (VIPs, local addresses), host order.
     * @param namespaceName  the name of that namespace for {@code ip netns exec} in fix commands, or null if the
     *                       commands run in it directly.
     */
    public static List<Finding> run(final List<String> interfaceNames, final int[] ownedAddresses,
                                    final String namespaceName) {
        final String prefix = namespaceName == null ? "" : "ip netns exec " + namespaceName + " ";
        final List<Finding> findings = new ArrayList<>();
        checkIpForward(findings, prefix);
        checkOwnedAddresses(findings, prefix, ownedAddresses);
        for (final String interfaceName : interfaceNames) {
            checkOffloads(findings, prefix, interfaceName);
        }
        return List.copyOf(findings);
    }

    /** Whether any finding is an {@link Severity#ERROR}. */
    public static boolean hasErrors(final List<Finding> findings) {
        return findings.stream().anyMatch(f -> f.severity() == Severity.ERROR);
    }

    /** One finding per paragraph, with its fix. */
    public static String format(final List<Finding> findings) {
        final StringBuilder text = new StringBuilder();
        for (final Finding finding : findings) {
            text.append(finding).append('\n');
        }
        return text.toString();
    }

    /**
     * Refuses to start on errors.
     *
     * @return the warnings, for the caller to log.
     * @throws IllegalStateException listing every finding and its fix if any is an error.
     */
    public static List<Finding> enforce(final List<Finding> findings) {
        if (hasErrors(findings)) {
            throw new IllegalStateException("the kernel is not set up for the AF_PACKET data path:\n" + format(findings));
        }
        return findings;
    }

    static void checkIpForward(final List<Finding> findings, final String prefix) {
        final String value;
        try {
            value = Files.readString(IP_FORWARD).trim();
        } catch (final IOException e) {
            findings.add(new Finding(Severity.ERROR, "net.ipv4.ip_forward",
                "cannot read " + IP_FORWARD + " (" + e.getMessage() + "), so cannot prove forwarding is off",
                prefix + "sysctl -w net.ipv4.ip_forward=0"));
            return;
        }
        if (!"0".equals(value)) {
            findings.add(new Finding(Severity.ERROR, "net.ipv4.ip_forward",
                "is " + value + ": the kernel forwards a second copy of every frame Fulcrum forwards",
                prefix + "sysctl -w net.ipv4.ip_forward=0"));
        }
    }

    static void checkOwnedAddresses(final List<Finding> findings, final String prefix, final int[] ownedAddresses) {
        for (final KernelAddress configured : kernelAddresses()) {
            for (final int owned : ownedAddresses) {
                if (configured.address() == owned) {
                    final String address = formatIpv4(owned);
                    findings.add(new Finding(Severity.ERROR, configured.interfaceName(),
                        "owned address " + address + " is configured on kernel interface " + configured.interfaceName()
                            + ": the kernel answers its traffic itself (RSTs to SYNs, ICMP)",
                        prefix + "ip addr del " + address + "/" + configured.prefixLength() + " dev "
                            + baseName(configured.interfaceName())));
                }
            }
        }
    }

    static void checkOffloads(final List<Finding> findings, final String prefix, final String interfaceName) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(arena);
            final int fd = Syscalls.socket(state, Syscalls.AF_INET, Syscalls.SOCK_DGRAM | Syscalls.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                findings.add(new Finding(Severity.WARNING, interfaceName, "cannot query offloads: socket(AF_INET) failed: "
                    + Syscalls.describe(Syscalls.errno(state)), prefix + "ethtool -K " + interfaceName + " gro off lro off"));
                return;
            }
            try {
                final long gro = ethtool(arena, state, fd, interfaceName, TpacketDescriptor.ETHTOOL_GGRO);
                if (gro == -ENODEV) {
                    findings.add(new Finding(Severity.ERROR, interfaceName, "no such interface in this network namespace",
                        prefix + "ip link show " + interfaceName));
                    return;
                }
                if (gro > 0) {
                    findings.add(new Finding(Severity.WARNING, interfaceName,
                        "GRO is on: AF_PACKET sees merged super-frames that cannot be forwarded as they are",
                        prefix + "ethtool -K " + interfaceName + " gro off"));
                }
                final long flags = ethtool(arena, state, fd, interfaceName, TpacketDescriptor.ETHTOOL_GFLAGS);
                if (flags > 0 && (flags & TpacketDescriptor.ETH_FLAG_LRO) != 0) {
                    findings.add(new Finding(Severity.WARNING, interfaceName,
                        "LRO is on: AF_PACKET sees merged super-frames that cannot be forwarded as they are",
                        prefix + "ethtool -K " + interfaceName + " lro off"));
                }
            } finally {
                Syscalls.close(state, fd);
            }
        }
    }

    /** ETHTOOL get-command {@code command} on {@code interfaceName}: its u32 data (>= 0), or -errno. */
    private static long ethtool(final Arena arena, final MemorySegment state, final int fd, final String interfaceName,
                               final int command) {
        final MemorySegment value = arena.allocate(TpacketDescriptor.ETHTOOL_VALUE_SIZE, 8);
        value.set(JAVA_INT, 0, command);
        final MemorySegment ifreq = arena.allocate(Syscalls.IFREQ_SIZE, 8);
        ifreq.setString(0, interfaceName);
        ifreq.set(ADDRESS, TpacketDescriptor.IFR_UNION_OFFSET, value);
        if (Syscalls.ioctl(state, fd, TpacketDescriptor.SIOCETHTOOL, ifreq) != 0) {
            return -Syscalls.errno(state);
        }
        return Integer.toUnsignedLong(value.get(JAVA_INT, 4));
    }

    /** The IPv4 addresses configured on the calling thread's namespace's interfaces (getifaddrs). */
    static List<KernelAddress> kernelAddresses() {
        final List<KernelAddress> addresses = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Syscalls.newCallState(arena);
            final MemorySegment listOut = arena.allocate(ADDRESS);
            if ((int) GETIFADDRS.invokeExact(state, listOut) != 0) {
                throw new IllegalStateException("getifaddrs failed: " + Syscalls.describe(Syscalls.errno(state)));
            }
            final MemorySegment head = listOut.get(ADDRESS, 0);
            try {
                MemorySegment entry = head.reinterpret(IFADDRS_SIZE);
                while (!entry.equals(MemorySegment.NULL) && entry.address() != 0) {
                    final MemorySegment address = entry.get(ADDRESS, IFA_ADDR);
                    if (address.address() != 0) {
                        final MemorySegment sockaddr = address.reinterpret(SOCKADDR_IN_SIZE);
                        if (sockaddr.get(JAVA_SHORT, 0) == Syscalls.AF_INET) {
                            final String interfaceName = entry.get(ADDRESS, IFA_NAME).reinterpret(64).getString(0);
                            final MemorySegment mask = entry.get(ADDRESS, IFA_NETMASK);
                            final int prefixLength = mask.address() == 0
                                ? 32
                                : Integer.bitCount(mask.reinterpret(SOCKADDR_IN_SIZE).get(BIG_ENDIAN_INT, SIN_ADDR));
                            addresses.add(new KernelAddress(interfaceName, sockaddr.get(BIG_ENDIAN_INT, SIN_ADDR),
                                prefixLength));
                        }
                    }
                    final MemorySegment next = entry.get(ADDRESS, IFA_NEXT);
                    entry = next.address() == 0 ? MemorySegment.NULL : next.reinterpret(IFADDRS_SIZE);
                }
            } finally {
                FREEIFADDRS.invokeExact(head);
            }
        } catch (final RuntimeException | Error e) {
            throw e;
        } catch (final Throwable t) {
            throw new IllegalStateException(t);
        }
        return addresses;
    }

    /** Dotted-quad text of a host-order IPv4 address. */
    static String formatIpv4(final int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    private static String baseName(final String label) {
        final int colon = label.indexOf(':');
        return colon < 0 ? label : label.substring(0, colon);
    }
}
