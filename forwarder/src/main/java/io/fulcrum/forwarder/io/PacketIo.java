package io.fulcrum.forwarder.io;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.proto.Checksums;

/**
 * One port of a forwarder agent: the receive and transmit path of one interface (or one queue of it).
 * Implementations: AF_XDP (primary), AF_PACKET TPACKET_V2 rings (fallback), in-memory (tests).
 *
 * <p>A port is owned by exactly one agent thread: no method is thread-safe and none may allocate,
 * lock, block or log on the hot path ({@link #receive}, {@link #releaseRx}, {@link #transmit},
 * {@link #flush}). Expected failures are return values; the caller counts them.
 *
 * <p>Duty cycle of an agent for one port:
 * <pre>
 *   n = io.receive(batch);          // frames valid until releaseRx
 *   for each frame: process, maybe rewrite in place, maybe io.transmit(...) (on this or another port)
 *   io.releaseRx(batch);            // slots go back to the kernel
 *   io.flush();                     // kick pending transmits, reap completions
 * </pre>
 */
public interface PacketIo extends AutoCloseable {
    /** Where the checksum sits in a UDP header (csum_offset of a partial UDP checksum). */
    int UDP_CHECKSUM_OFFSET = 6;


    /** A short description for logs and stats, e.g. {@code af_xdp:lb0/q0 drv copy}. */
    String name();

    /** The interface index this port is bound to (0 for in-memory ports). */
    int ifIndex();

    /** The interface's MAC address as the low 48 bits of a long (big-endian byte order). */
    long macAddress();

    /** The interface MTU (largest IPv4 packet, without the Ethernet header). */
    int mtu();

    /**
     * Receives up to {@code batch.capacity()} frames into {@code batch} (which is reset first).
     *
     * @return the number of frames received, 0 if none are ready.
     */
    int receive(FrameBatch batch);

    /** Returns every frame of {@code batch} to the kernel and clears the batch. */
    void releaseRx(FrameBatch batch);

    /**
     * Copies a frame into the next free transmit slot. The frame is sent at the latest on the next
     * {@link #flush()}.
     *
     * @return false if no transmit slot is free or the frame is larger than a slot (the caller counts a drop).
     */
    boolean transmit(MemorySegment frame, long offset, int length);

    /**
     * Like {@link #transmit(MemorySegment, long, int)} for a frame with an {@link Offload} word: a port that hands
     * offloads to the kernel (AF_PACKET with virtio headers) passes the partial checksum and GSO on; this default
     * completes a partial checksum in software (in {@code frame}) and refuses a GSO frame, which no plain port can
     * send.
     *
     * @return false if no slot is free, the frame does not fit, or it is GSO and this port cannot send GSO.
     */
    default boolean transmit(final MemorySegment frame, final long offset, final int length, final long offload) {
        if (offload == Offload.NONE) {
            return transmit(frame, offset, length);
        }
        if (Offload.isGso(offload)) {
            return false;
        }
        if (Offload.needsChecksum(offload)) {
            final int start = Offload.csumStart(offload);
            final int checksumAt = start + Offload.csumOffset(offload);
            if (checksumAt + 2 > length) {
                return false;
            }
            Checksums.completePartial(frame, offset + start, length - start, offset + checksumAt,
                Offload.csumOffset(offload) == UDP_CHECKSUM_OFFSET);
        }
        return transmit(frame, offset, length);
    }

    /**
     * Kicks the kernel for pending transmits (honouring need-wakeup where the ring has it) and reaps
     * completed transmit slots.
     *
     * @return work done (frames handed to the kernel or completions reaped).
     */
    int flush();

    /** A file descriptor that becomes readable when frames arrive, for poll() while idle; -1 if none. */
    int pollFd();

    /** Counters kept by the kernel or the ring (drops at the ring, etc.), accumulated since open. */
    long kernelDrops();

    /** Releases the socket, rings and any XDP program attached for this port. Idempotent. */
    @Override
    void close();
}
