package io.fulcrum.forwarder.io.xdp;

/**
 * Setting up an AF_XDP port or its XDP program failed (never thrown on the packet path). The message
 * names the step, the interface and the errno text, and where there is a known fix, the fix.
 */
public final class XdpSetupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public XdpSetupException(final String message, final int errno) {
        super(message);
        this.errno = errno;
    }

    public XdpSetupException(final String message, final int errno, final Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** The errno of the failed call, 0 if the failure was not a system call. */
    public int errno() {
        return errno;
    }
}
