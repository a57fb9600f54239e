package io.fulcrum.common.counters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * A memory-mapped counters file in Agrona's counters layout, so that {@code fulcrum stats} can read
 * the counters of a running process without talking to it (and while its control channel is busy).
 *
 * <pre>
 *   0                   4                   8                  16                  24
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | magic 'FLCR'      | layout version    | pid (i64)         | start epoch ms    |
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | metadata length   | values length     | (reserved up to 128 bytes)            |
 *   +-------------------+-------------------+---------------------------------------+
 *   | metadata: Agrona CountersManager records (512 bytes per counter)              |
 *   +-------------------------------------------------------------------------------+
 *   | values: one 128-byte padded record per counter (no false sharing)             |
 *   +-------------------------------------------------------------------------------+
 * </pre>
 * One writer per counter (the agent that owns it); readers in other processes only read.
 */
public final class CountersFile implements AutoCloseable {
    public static final int MAGIC = 0x464c4352; // "FLCR"
    public static final int LAYOUT_VERSION = 1;
    public static final int HEADER_LENGTH = 128;
    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 4;
    private static final int PID_OFFSET = 8;
    private static final int START_OFFSET = 16;
    private static final int META_LENGTH_OFFSET = 24;
    private static final int VALUES_LENGTH_OFFSET = 28;

    private final Path path;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final UnsafeBuffer metadata;
    private final UnsafeBuffer values;
    private final CountersManager manager;
    private final CountersReader reader;

    private CountersFile(final Path path, final MappedByteBuffer mapped, final boolean writable) {
        this.path = path;
        this.mapped = mapped;
        this.header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        final int metaLength = header.getInt(META_LENGTH_OFFSET);
        final int valuesLength = header.getInt(VALUES_LENGTH_OFFSET);
        this.metadata = new UnsafeBuffer(mapped, HEADER_LENGTH, metaLength);
        this.values = new UnsafeBuffer(mapped, HEADER_LENGTH + metaLength, valuesLength);
        if (writable) {
            this.manager = new CountersManager(metadata, values, StandardCharsets.UTF_8);
            this.reader = manager;
        } else {
            this.manager = null;
            this.reader = new CountersReader(metadata, values, StandardCharsets.UTF_8);
        }
    }

    /** Creates (or replaces) the file with room for {@code maxCounters} counters. */
    public static CountersFile create(final Path path, final int maxCounters) {
        final int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
        final int metaLength = maxCounters * CountersReader.METADATA_LENGTH;
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            Files.deleteIfExists(path);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot create counters file " + path, e);
        }
        final MappedByteBuffer mapped = IoUtil.mapNewFile(path.toFile(), HEADER_LENGTH + (long) metaLength + valuesLength);
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        header.putInt(VERSION_OFFSET, LAYOUT_VERSION);
        header.putLong(PID_OFFSET, ProcessHandle.current().pid());
        header.putLong(START_OFFSET, System.currentTimeMillis());
        header.putInt(META_LENGTH_OFFSET, metaLength);
        header.putInt(VALUES_LENGTH_OFFSET, valuesLength);
        header.putIntVolatile(MAGIC_OFFSET, MAGIC);
        return new CountersFile(path, mapped, true);
    }

    /** Maps an existing file for reading. */
    public static CountersFile openReadOnly(final Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
            if (header.getIntVolatile(MAGIC_OFFSET) != MAGIC || header.getInt(VERSION_OFFSET) != LAYOUT_VERSION) {
                throw new IllegalStateException(path + " is not a Fulcrum counters file (layout " + LAYOUT_VERSION + ")");
            }
            return new CountersFile(path, mapped, false);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot open counters file " + path, e);
        }
    }

    public Path path() {
        return path;
    }

    /** The pid of the process that created the file. */
    public long pid() {
        return header.getLong(PID_OFFSET);
    }

    public long startEpochMs() {
        return header.getLong(START_OFFSET);
    }

    /** The manager to allocate counters with; null for a read-only mapping. */
    public CountersManager manager() {
        return manager;
    }

    public CountersReader reader() {
        return reader;
    }

    @Override
    public void close() {
        IoUtil.unmap(mapped);
    }
}
