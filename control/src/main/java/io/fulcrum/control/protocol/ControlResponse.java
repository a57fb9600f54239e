package io.fulcrum.control.protocol;

/**
 * A decoded response.
 *
 * @param correlationId the request's id
 * @param status        how it ended
 * @param text          output on success, the reason otherwise
 */
public record ControlResponse(long correlationId, ResponseStatus status, String text) {
    /** Whether the request succeeded. */
    public boolean ok() {
        return status == ResponseStatus.OK;
    }
}
