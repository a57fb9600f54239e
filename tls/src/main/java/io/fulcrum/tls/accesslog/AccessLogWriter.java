package io.fulcrum.tls.accesslog;

import org.jctools.queues.MpscArrayQueue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes access-log entries on its own thread. Event loops {@link #offer} entries into a bounded MPSC queue; when the
 * queue is full the entry is dropped and counted, so a slow disk never stalls a request. The file is rotated daily
 * (local midnight) and when it grows past a size; rotated files get a {@code .yyyyMMdd-HHmmss} suffix.
 */
public final class AccessLogWriter implements AutoCloseable {
    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path file;
    private final long maxFileBytes;
    private final boolean daily;
    private final int maxFiles;
    private final MpscArrayQueue<AccessLogEntry> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private OutputStream out;
    private long fileBytes;
    private LocalDate fileDay;

    /** Opens (appends to) the file and starts the writer thread; keeps every rotated file. */
    public AccessLogWriter(Path file, long maxFileBytes, boolean daily, int queueCapacity) {
        this(file, maxFileBytes, daily, queueCapacity, 0);
    }

    /**
     * Opens (appends to) the file and starts the writer thread.
     *
     * @param maxFiles rotated files kept; after a rotation the oldest beyond this count are deleted (0 = keep all)
     */
    public AccessLogWriter(Path file, long maxFileBytes, boolean daily, int queueCapacity, int maxFiles) {
        this.file = file;
        this.maxFiles = maxFiles;
        this.maxFileBytes = maxFileBytes;
        this.daily = daily;
        this.queue = new MpscArrayQueue<>(queueCapacity);
        try {
            open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open access log " + file, e);
        }
        thread = Thread.ofPlatform().daemon().name("fulcrum-access-log-" + file.getFileName()).unstarted(this::run);
        thread.start();
    }

    /** Queues an entry; returns false (and counts a drop) when the queue is full. Never blocks. */
    public boolean offer(AccessLogEntry entry) {
        if (queue.offer(entry)) {
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }

    /** Entries dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Entries written. */
    public long written() {
        return written.get();
    }

    private void open() throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE), 64 * 1024);
        fileBytes = Files.size(file);
        fileDay = LocalDate.now(ZoneId.systemDefault());
    }

    private void rotate() throws IOException {
        out.close();
        Path target = file.resolveSibling(file.getFileName() + "." + LocalDateTime.now().format(SUFFIX));
        for (int i = 1; Files.exists(target) && i < 1000; i++) {
            target = file.resolveSibling(file.getFileName() + "." + LocalDateTime.now().format(SUFFIX) + "-" + i);
        }
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        open();
        if (maxFiles > 0) {
            pruneRotated();
        }
    }

    /** Deletes the oldest rotated files beyond {@code maxFiles} (their suffixes sort by time). */
    private void pruneRotated() throws IOException {
        final String prefix = file.getFileName() + ".";
        final java.util.List<Path> rotated;
        try (java.util.stream.Stream<Path> files = Files.list(file.toAbsolutePath().getParent())) {
            rotated = files.filter(f -> f.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
        for (int i = 0; i < rotated.size() - maxFiles; i++) {
            Files.deleteIfExists(rotated.get(i));
        }
    }

    private void run() {
        final StringBuilder line = new StringBuilder(512);
        final byte[][] holder = new byte[1][];
        while (running || !queue.isEmpty()) {
            final AccessLogEntry e = queue.poll();
            if (e == null) {
                flushQuietly();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                continue;
            }
            line.setLength(0);
            e.format().format(e, line);
            line.append('\n');
            holder[0] = line.toString().getBytes(StandardCharsets.UTF_8);
            try {
                if ((maxFileBytes > 0 && fileBytes + holder[0].length > maxFileBytes && fileBytes > 0)
                        || (daily && !LocalDate.now(ZoneId.systemDefault()).equals(fileDay))) {
                    rotate();
                }
                out.write(holder[0]);
                fileBytes += holder[0].length;
                written.incrementAndGet();
            } catch (IOException ex) {
                dropped.incrementAndGet();
            }
        }
        flushQuietly();
    }

    private void flushQuietly() {
        try {
            out.flush();
        } catch (IOException ex) {
            // the next write reports the failure as a drop
        }
    }

    /** Drains the queue, flushes and closes the file. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
            out.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
