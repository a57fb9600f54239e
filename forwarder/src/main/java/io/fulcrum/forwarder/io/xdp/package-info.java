/**
 * AF_XDP packet I/O without libbpf or libxdp: every step is a system call through FFM.
 *
 * <ul>
 *   <li>{@link io.fulcrum.forwarder.io.xdp.XdpPacketIo#open(XdpConfiguration)} opens one port (one queue of one
 *       interface) as a {@link io.fulcrum.forwarder.io.PacketIo}.</li>
 *   <li>{@link io.fulcrum.forwarder.io.xdp.XdpProgramHandle} owns the per-interface XDP program (assembled in Java
 *       by {@link io.fulcrum.forwarder.io.xdp.BpfProgram}), its XSKMAP and owned-address map, and its attachment
 *       (a BPF link, or netlink on kernels without XDP links).</li>
 *   <li>The program sends IPv4 and ARP for owned addresses to the queue's socket; everything else
 *       (IPv6, the kernel's own addresses, management traffic) goes to the kernel.</li>
 * </ul>
 *
 * <p>Needs root (or CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF and CAP_PERFMON) and Linux 5.9+ for BPF links
 * (older kernels fall back to netlink attachment, which a crash leaves behind).
 */
package io.fulcrum.forwarder.io.xdp;
