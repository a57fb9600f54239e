package io.fulcrum.forwarder.stage;

import java.lang.foreign.MemorySegment;

import io.fulcrum.forwarder.proto.Checksums;
import io.fulcrum.forwarder.proto.EthernetFlyweight;
import io.fulcrum.forwarder.proto.IcmpFlyweight;
import io.fulcrum.forwarder.proto.Ipv4Flyweight;

/**
 * ICMP to our own addresses: echo requests are turned into echo replies in place (RFC 792, RFC 1122
 * 3.2.2.6); every other type is counted and dropped.
 *
 * <p>The reply keeps identifier, sequence and data; swaps the addresses (the reply comes from the address
 * that was pinged); sets type 0 with an RFC 1624 incremental checksum update; resets TTL to
 * {@link #REPLY_TTL}; recomputes the IP header checksum; and goes back out of the receiving port to the
 * Ethernet source of the request. IP options of the request are not echoed (a source route must not be
 * blindly reversed): the reply has a 20-byte header and the ICMP message moves up.
 */
public final class IcmpStage {
    /** The TTL of the replies we originate (Linux's default {@code ip_default_ttl}). */
    public static final int REPLY_TTL = 64;

    private final InterfaceAddresses[] interfaces;
    private final ForwarderCounters counters;
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();

    public IcmpStage(final InterfaceAddresses[] interfaces, final ForwarderCounters counters) {
        this.interfaces = interfaces.clone();
        this.counters = counters;
    }

    /**
     * Handles a validated IPv4 ICMP packet to a local address.
     *
     * @param ip the IPv4 header (valid; not a fragment; total length within the frame).
     * @return a {@link Verdict}; on transmit the frame length is {@code 14 + ip.totalLength()}.
     */
    public int onPacket(final int port, final MemorySegment segment, final long frameOffset, final Ipv4Flyweight ip) {
        final int headerLength = ip.headerLength();
        final int messageLength = ip.totalLength() - headerLength;
        if (messageLength < IcmpFlyweight.HEADER_LENGTH) {
            return Verdict.drop(DropReason.ICMP_TRUNCATED);
        }
        long messageOffset = ip.offset() + headerLength;
        IcmpFlyweight icmp = this.icmp.wrap(segment, messageOffset);
        if (!icmp.isChecksumValid(messageLength)) {
            return Verdict.drop(DropReason.ICMP_BAD_CHECKSUM);
        }
        if (icmp.type() != IcmpFlyweight.TYPE_ECHO_REQUEST) {
            return Verdict.drop(DropReason.ICMP_TYPE_UNSUPPORTED);
        }
        if (headerLength > Ipv4Flyweight.MIN_HEADER_LENGTH) {
            final long newOffset = ip.offset() + Ipv4Flyweight.MIN_HEADER_LENGTH;
            MemorySegment.copy(segment, messageOffset, segment, newOffset, messageLength);
            messageOffset = newOffset;
            icmp = icmp.wrap(segment, messageOffset);
            ip.versionAndHeaderLength(Ipv4Flyweight.MIN_HEADER_LENGTH)
                .totalLength(Ipv4Flyweight.MIN_HEADER_LENGTH + messageLength);
        }
        final int oldTypeCode = icmp.typeCodeWord();
        icmp.type(IcmpFlyweight.TYPE_ECHO_REPLY);
        icmp.checksum(Checksums.update16(icmp.checksum(), oldTypeCode, icmp.typeCodeWord()));

        final int source = ip.source();
        ip.source(ip.destination()).destination(source).ttl(REPLY_TTL).updateChecksum();

        final EthernetFlyweight ethernet = this.ethernet.wrap(segment, frameOffset);
        ethernet.destination(ethernet.source()).source(interfaces[port].mac());
        counters.event(ForwarderEvent.ICMP_ECHO_REPLIED);
        return port;
    }
}
