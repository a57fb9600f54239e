package io.fulcrum.control.protocol;

/** How a request ended. */
public enum ResponseStatus {
    /** Done; the text is the output. */
    OK(0),
    /** Refused before anything changed; the text says why, naming the field. */
    REFUSED(1),
    /** A step failed while applying; everything was rolled back; the text says why. */
    FAILED(2),
    /** The request itself was malformed (version, opcode, arguments); nothing changed. */
    ERROR(3);

    private final int code;

    ResponseStatus(final int code) {
        this.code = code;
    }

    /** The wire code. */
    public int code() {
        return code;
    }

    /** The status for a wire code; unknown codes read as ERROR. */
    public static ResponseStatus of(final int code) {
        for (final ResponseStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return ERROR;
    }
}
