package io.fulcrum.control.runtime;

/**
 * Who asked for a change: the uid and pid a control client reports for itself (the control channel's
 * access control is the Aeron directory's permissions), or the daemon itself for SIGHUP and startup.
 *
 * @param uid    user id, -1 when not known
 * @param pid    process id, -1 when not known
 * @param source how the request arrived: {@code fulcrumctl}, {@code sighup}, {@code http}, {@code test}
 */
public record Caller(int uid, long pid, String source) {
    /** The daemon itself (SIGHUP reloads). */
    public static Caller self(final String source) {
        return new Caller(currentUid(), ProcessHandle.current().pid(), source);
    }

    /** This process's real uid, read from {@code /proc/self}; -1 when it cannot be read. */
    public static int currentUid() {
        try {
            return (Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
        } catch (final java.io.IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return source + " uid=" + uid + " pid=" + pid;
    }
}
