package io.fulcrum.scheduler.outlier;

/** Failures the data paths report to {@link OutlierDetector#recordFailure}. */
public enum OutlierEvent {
    /** L4: a SYN forwarded to the backend got no SYN-ACK before the SYN state timed out. */
    SYN_TIMEOUT,
    /** L4: the backend answered the SYN (or the handshake) with RST. */
    SYN_RESET,
    /** L7: the backend answered 5xx. */
    HTTP_5XX,
    /** L7: connecting to the backend failed or timed out. */
    CONNECT_FAILURE;

    static final OutlierEvent[] VALUES = values();
}
