package io.fulcrum.forwarder.io.xdp;

import java.util.ArrayList;
import java.util.List;

/**
 * Configuration of one AF_XDP port: one queue of one interface.
 *
 * <p>The UMEM of {@code frameCount} frames of {@code frameSize} bytes is split in half: receive frames
 * (on the fill ring, the RX ring or lent to the agent between receive and releaseRx) and transmit frames
 * (free list, TX ring or completion ring). Hence {@code fillRingSize >= frameCount / 2} and
 * {@code completionRingSize >= frameCount / 2}, so a frame always has a ring slot to go back to.
 *
 * @param interfaceName      the network interface, e.g. {@code eth1} (looked up in the calling thread's
 *                           network namespace)
 * @param queueId            the interface RX/TX queue the socket binds to
 * @param frameCount         UMEM frames, a power of two &gt;= 16
 * @param frameSize          UMEM frame (chunk) size: 2048 or 4096
 * @param rxRingSize         RX ring entries (power of two)
 * @param txRingSize         TX ring entries (power of two)
 * @param fillRingSize       fill ring entries (power of two, &gt;= frameCount / 2)
 * @param completionRingSize completion ring entries (power of two, &gt;= frameCount / 2)
 * @param mode               XDP attach mode: native (driver), generic (skb) or auto (native, else generic)
 * @param zeroCopy           AF_XDP zero-copy: on (fail if unsupported), off (copy) or auto
 * @param attach             how the program is attached: BPF link, netlink, or auto (link, else netlink)
 * @param ownedAddresses     IPv4 addresses (big-endian ints, 198.18.0.1 = 0xc6120001) whose IPv4 and ARP
 *                           traffic the XDP program sends to the socket; everything else goes to the kernel
 */
public record XdpConfiguration(String interfaceName, int queueId, int frameCount, int frameSize, int rxRingSize,
                               int txRingSize, int fillRingSize, int completionRingSize, Mode mode, ZeroCopy zeroCopy,
                               Attach attach, List<Integer> ownedAddresses) {

    /** XDP program attach mode. */
    public enum Mode {
        /** Native (driver) mode, falling back to generic when the driver has no XDP support. */
        AUTO,
        /** Native (driver) mode, XDP_FLAGS_DRV_MODE. */
        NATIVE,
        /** Generic (skb) mode, XDP_FLAGS_SKB_MODE: works on any interface, slower. */
        GENERIC
    }

    /** AF_XDP zero-copy. */
    public enum ZeroCopy {
        /** Zero-copy when the driver supports it on this queue, copy otherwise. */
        AUTO,
        /** Zero-copy or fail (XDP_ZEROCOPY). */
        ON,
        /** Always copy (XDP_COPY). */
        OFF
    }

    /** How the XDP program is attached. */
    public enum Attach {
        /** A BPF link (detached by the kernel when the process dies); netlink where links are unsupported. */
        AUTO,
        /** BPF link only (Linux 5.9+). */
        LINK,
        /** Netlink RTM_SETLINK IFLA_XDP; detached on close and by a shutdown hook, not on a crash. */
        NETLINK
    }

    public XdpConfiguration {
        if (interfaceName == null || interfaceName.isEmpty() || interfaceName.length() > 15) {
            throw new IllegalArgumentException("interfaceName must be 1..15 characters: " + interfaceName);
        }
        if (queueId < 0) {
            throw new IllegalArgumentException("queueId must be >= 0: " + queueId);
        }
        if (frameCount < 16 || Integer.bitCount(frameCount) != 1) {
            throw new IllegalArgumentException("frameCount must be a power of two >= 16: " + frameCount);
        }
        if (frameSize != 2048 && frameSize != 4096) {
            throw new IllegalArgumentException("frameSize must be 2048 or 4096: " + frameSize);
        }
        requirePowerOfTwo("rxRingSize", rxRingSize);
        requirePowerOfTwo("txRingSize", txRingSize);
        requirePowerOfTwo("fillRingSize", fillRingSize);
        requirePowerOfTwo("completionRingSize", completionRingSize);
        if (fillRingSize < frameCount / 2) {
            throw new IllegalArgumentException("fillRingSize " + fillRingSize + " must hold the " + frameCount / 2
                + " receive frames (frameCount / 2)");
        }
        if (completionRingSize < frameCount / 2) {
            throw new IllegalArgumentException("completionRingSize " + completionRingSize + " must hold the "
                + frameCount / 2 + " transmit frames (frameCount / 2)");
        }
        if (mode == null || zeroCopy == null || attach == null) {
            throw new IllegalArgumentException("mode, zeroCopy and attach must be set");
        }
        ownedAddresses = List.copyOf(ownedAddresses);
    }

    /**
     * Defaults for {@code interfaceName} queue 0: 4096 frames of 2048 bytes, rings of 2048, mode, zero-copy
     * and attach auto, no owned addresses.
     */
    public static XdpConfiguration defaults(final String interfaceName) {
        return new XdpConfiguration(interfaceName, 0, 4096, 2048, 2048, 2048, 2048, 2048, Mode.AUTO, ZeroCopy.AUTO,
            Attach.AUTO, List.of());
    }

    public XdpConfiguration withQueueId(final int newQueueId) {
        return new XdpConfiguration(interfaceName, newQueueId, frameCount, frameSize, rxRingSize, txRingSize, fillRingSize,
            completionRingSize, mode, zeroCopy, attach, ownedAddresses);
    }

    public XdpConfiguration withMode(final Mode newMode) {
        return new XdpConfiguration(interfaceName, queueId, frameCount, frameSize, rxRingSize, txRingSize, fillRingSize,
            completionRingSize, newMode, zeroCopy, attach, ownedAddresses);
    }

    public XdpConfiguration withZeroCopy(final ZeroCopy newZeroCopy) {
        return new XdpConfiguration(interfaceName, queueId, frameCount, frameSize, rxRingSize, txRingSize, fillRingSize,
            completionRingSize, mode, newZeroCopy, attach, ownedAddresses);
    }

    public XdpConfiguration withAttach(final Attach newAttach) {
        return new XdpConfiguration(interfaceName, queueId, frameCount, frameSize, rxRingSize, txRingSize, fillRingSize,
            completionRingSize, mode, zeroCopy, newAttach, ownedAddresses);
    }

    /** UMEM geometry: {@code frames} frames of {@code size} bytes, every ring sized {@code frames / 2}. */
    public XdpConfiguration withFrames(final int frames, final int size) {
        final int ring = Math.max(frames / 2, 1);
        return new XdpConfiguration(interfaceName, queueId, frames, size, ring, ring, ring, ring, mode, zeroCopy, attach,
            ownedAddresses);
    }

    /** Owned IPv4 addresses as big-endian ints. */
    public XdpConfiguration withOwnedAddresses(final int... ipv4) {
        final List<Integer> list = new ArrayList<>(ipv4.length);
        for (final int address : ipv4) {
            list.add(address);
        }
        return new XdpConfiguration(interfaceName, queueId, frameCount, frameSize, rxRingSize, txRingSize, fillRingSize,
            completionRingSize, mode, zeroCopy, attach, list);
    }

    /** Frames kept for receive (on the fill ring): the first half of the UMEM. */
    public int rxFrameCount() {
        return frameCount / 2;
    }

    /** Frames kept for transmit: the second half of the UMEM. */
    public int txFrameCount() {
        return frameCount - frameCount / 2;
    }

    private static void requirePowerOfTwo(final String name, final int value) {
        if (value <= 0 || Integer.bitCount(value) != 1) {
            throw new IllegalArgumentException(name + " must be a power of two: " + value);
        }
    }
}
