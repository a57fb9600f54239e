package io.fulcrum.control.protocol;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.exceptions.AeronException;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * A client of a node's control channel (fulcrumctl and the tests). Connects to the node's media driver
 * directory, sends one request at a time and waits for the answer with the same correlation id.
 */
public final class ControlClient implements AutoCloseable {
    private final Aeron aeron;
    private final Publication requests;
    private final Subscription responses;
    private final ControlCodec.Assembler assembler = new ControlCodec.Assembler();
    private final IdleStrategy idle = new BackoffIdleStrategy(10, 10, TimeUnit.MICROSECONDS.toNanos(1),
        TimeUnit.MILLISECONDS.toNanos(1));
    private final int uid;
    private final long pid;
    private ControlResponse received;
    private long awaited;

    private ControlClient(final Aeron aeron, final String channel, final int uid, final long pid) {
        this.aeron = aeron;
        this.uid = uid;
        this.pid = pid;
        this.responses = aeron.addSubscription(channel, ControlMessageDescriptor.RESPONSE_STREAM_ID);
        this.requests = aeron.addPublication(channel, ControlMessageDescriptor.REQUEST_STREAM_ID);
    }

    /**
     * Connects to the node whose media driver lives in {@code aeronDir}.
     *
     * @throws ControlException when no node answers there within the timeout
     */
    public static ControlClient connect(final Path aeronDir, final String channel, final int uid, final long pid,
                                        final long timeoutMs) throws ControlException {
        if (!CommonContext.isDriverActive(aeronDir.toFile(), timeoutMs, s -> { })) {
            throw new ControlException("no Fulcrum node is running with the Aeron directory " + aeronDir
                + " (is it started with fulcrum run? is this its run-dir?)");
        }
        final Aeron aeron;
        try {
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir.toString())
                .driverTimeoutMs(Math.max(timeoutMs, 1000)));
        } catch (final AeronException | IllegalStateException e) {
            throw new ControlException("cannot connect to the node's media driver in " + aeronDir + ": " + e.getMessage());
        }
        final ControlClient client = new ControlClient(aeron, channel, uid, pid);
        try {
            client.awaitConnected(timeoutMs);
        } catch (final ControlException e) {
            client.close();
            throw e;
        }
        return client;
    }

    private void awaitConnected(final long timeoutMs) throws ControlException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!requests.isConnected() || !responses.isConnected()) {
            if (System.nanoTime() - deadline > 0) {
                throw new ControlException("the node's media driver runs but its control channel does not answer "
                    + "(node still starting, or another channel configured?)");
            }
            idle.idle();
        }
        idle.reset();
    }

    /**
     * Sends a request and waits for its answer.
     *
     * @throws ControlException when the request cannot be sent or no answer arrives in time
     */
    public ControlResponse call(final Opcode opcode, final List<String> args, final long timeoutMs) throws ControlException {
        final long correlationId = aeron.nextCorrelationId();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        final String failure = ControlCodec.send(requests, correlationId, opcode.code(), uid, pid,
            ControlCodec.encodeArgs(args), deadline, Thread::yield);
        if (failure != null) {
            throw new ControlException("cannot send the request: " + failure);
        }
        awaited = correlationId;
        received = null;
        final FragmentHandler handler = new FragmentAssembler((buffer, offset, length, header) -> {
            final ControlCodec.Assembler.Result result = assembler.onMessage(buffer, offset, length);
            if (result instanceof ControlCodec.Assembler.Complete c && c.frame().correlationId() == awaited) {
                received = new ControlResponse(awaited, ResponseStatus.of(c.frame().code()),
                    new String(c.frame().body(), StandardCharsets.UTF_8));
            } else if (result instanceof ControlCodec.Assembler.Broken b && b.correlationId() == awaited) {
                received = new ControlResponse(awaited, ResponseStatus.ERROR, "bad answer from the node: " + b.reason());
            }
        });
        while (received == null) {
            final int fragments = responses.poll(handler, 16);
            if (fragments == 0 && System.nanoTime() - deadline > 0) {
                assembler.forget(correlationId);
                throw new ControlException("no answer from the node within " + timeoutMs + " ms");
            }
            idle.idle(fragments);
        }
        return received;
    }

    @Override
    public void close() {
        aeron.close();
    }
}
