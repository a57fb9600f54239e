package io.fulcrum.conntrack;

/**
 * Receives flows whose idle deadline has passed, from {@link FlowTable#expire}. Implemented once by the forwarder
 * agent (no lambda per call). The flow is still in the table during the call, so its tuples, sequence numbers
 * and local address can be read; the table removes it when the call returns.
 */
@FunctionalInterface
public interface FlowExpiryHandler {
    /**
     * A flow expired.
     *
     * @param flow the table's expiry flyweight, wrapped at the expiring flow; valid only during the call.
     * @param resetBothSides true when an ESTABLISHED TCP flow timed out and its listener asks for RST towards
     *     client and backend (use {@link FlowFlyweight#origNextSeq()} and {@link FlowFlyweight#replyNextSeq()}).
     * @param nowMs the duty cycle's clock.
     */
    void onFlowExpired(FlowFlyweight flow, boolean resetBothSides, long nowMs);
}
