package io.fulcrum.control.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;

import io.fulcrum.control.runtime.Caller;
import io.fulcrum.control.runtime.ConfigChange;

/**
 * The audit log: one JSON object per line for every mutating control operation and apply, refused ones
 * included. Fields: {@code time} (UTC, ISO-8601), {@code caller} ({@code uid}, {@code pid}, {@code source}),
 * {@code command}, {@code object} ({@code type}, {@code id}), {@code result} ({@code applied}, {@code refused},
 * {@code failed}), {@code reason}, {@code generation}, and {@code changes}: every object that changed with
 * {@code old} and {@code new} settings in one-line YAML. Written and flushed by the control thread before the
 * answer goes out; a write failure is logged and does not stop the node.
 */
public final class AuditLog {
    private final Path file;
    private final PrintStream log;

    /**
     * @param file the JSON-lines file; its directory is created
     * @param log  where write failures are reported
     */
    public AuditLog(final Path file, final PrintStream log) {
        this.file = file;
        this.log = log;
    }

    /** The file written to. */
    public Path file() {
        return file;
    }

    /**
     * Appends one record.
     *
     * @param caller     who asked
     * @param command    the command, e.g. {@code weight}
     * @param objectType the target's type, e.g. {@code backend}
     * @param objectId   the target's id, e.g. {@code web/198.18.1.2:80}
     * @param result     {@code applied}, {@code refused} or {@code failed}
     * @param reason     why not applied; empty when applied
     * @param generation running state generation after the command
     * @param changes    what changed (or would have)
     */
    public synchronized void record(final Caller caller, final String command, final String objectType, final String objectId,
                                    final String result, final String reason, final long generation,
                                    final List<ConfigChange> changes) {
        final StringBuilder sb = new StringBuilder(256);
        sb.append("{\"time\":").append(Json.string(Instant.now().toString()))
            .append(",\"caller\":{\"uid\":").append(caller.uid()).append(",\"pid\":").append(caller.pid())
            .append(",\"source\":").append(Json.string(caller.source())).append('}')
            .append(",\"command\":").append(Json.string(command))
            .append(",\"object\":{\"type\":").append(Json.string(objectType)).append(",\"id\":").append(Json.string(objectId))
            .append("},\"result\":").append(Json.string(result))
            .append(",\"reason\":").append(Json.string(reason))
            .append(",\"generation\":").append(generation)
            .append(",\"changes\":[");
        for (int i = 0; i < changes.size(); i++) {
            final ConfigChange c = changes.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"change\":").append(Json.string(c.kind().name().toLowerCase()))
                .append(",\"type\":").append(Json.string(c.objectType())).append(",\"id\":").append(Json.string(c.id()))
                .append(",\"old\":").append(Json.string(c.oldValue())).append(",\"new\":").append(Json.string(c.newValue()))
                .append('}');
        }
        sb.append("]}\n");
        try {
            final Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, sb, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        } catch (final IOException e) {
            log.println("fulcrum: audit log " + file + " cannot be written: " + e + "; record: " + sb.toString().trim());
        }
    }
}
