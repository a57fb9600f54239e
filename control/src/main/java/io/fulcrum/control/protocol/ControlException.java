package io.fulcrum.control.protocol;

/** The control channel could not carry a request (no node, no answer); the message says what to check. */
public final class ControlException extends Exception {
    private static final long serialVersionUID = 1L;

    /** With the reason. */
    public ControlException(final String message) {
        super(message);
    }
}
