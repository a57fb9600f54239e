package io.fulcrum.forwarder.stage;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.neighbour.NeighbourTable;

/**
 * What an agent lends its {@link L4Stage}: its ports' addresses and MTUs, next-hop resolution, counters, a way
 * to send frames the stage generates (RSTs), to transmit a frame other than the received one (a frame that grew
 * when an option was inserted), and to run frames handed over by another agent through the whole stage chain.
 * Implemented by the forwarder agent; every method is for the agent thread only and allocation-free.
 */
public interface L4Context {
    /** The agent's id (its scheduler lane). */
    int agentId();

    /** Number of ports (interfaces) of the agent. */
    int portCount();

    /** The addresses of port {@code port}. */
    InterfaceAddresses interfaceAddresses(int port);

    /** The MTU of port {@code port} (largest IPv4 packet). */
    int mtu(int port);

    /** Next-hop resolution (ARP) and the port of an on-link address. */
    ArpStage arp();

    /** The agent's neighbour table. */
    NeighbourTable neighbours();

    /** The agent's counters. */
    ForwarderCounters counters();

    /**
     * Sends a frame the stage generated itself (counted as transmitted bytes, not as a verdict).
     *
     * @return false if the port's transmit ring is full.
     */
    boolean send(int port, MemorySegment frame, long offset, int length);

    /**
     * Makes the transmit verdict the stage is about to return send {@code length} bytes at {@code offset} of
     * {@code frame} instead of the received frame. Valid for the current frame only.
     */
    void transmitFrom(MemorySegment frame, long offset, int length);

    /**
     * The {@link io.fulcrum.forwarder.io.Offload} word of the frame being processed (GSO, partial checksum in its
     * header view); {@code Offload.NONE} for plain frames.
     */
    long offload();

    /** Replaces the current frame's offload word, e.g. with {@code Offload.NONE} after rewriting it into a plain frame. */
    void offload(long word);

    /**
     * Runs a frame that another agent handed over through this agent's stage chain, transmits it if the verdict
     * says so and counts its fate.
     *
     * @return the verdict.
     */
    int processHandedOver(int port, MemorySegment segment, long offset, int length, int flags, long nowMs);
}
