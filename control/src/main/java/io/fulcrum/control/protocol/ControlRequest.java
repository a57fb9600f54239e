package io.fulcrum.control.protocol;

import java.util.List;

/**
 * A decoded request.
 *
 * @param correlationId the client's id for the answer
 * @param opcode        what to do
 * @param uid           caller's uid as reported by the client
 * @param pid           caller's pid as reported by the client
 * @param args          arguments, see {@link Opcode}
 */
public record ControlRequest(long correlationId, Opcode opcode, int uid, long pid, List<String> args) {
    /** Copies the list. */
    public ControlRequest {
        args = List.copyOf(args);
    }
}
