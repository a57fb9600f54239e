package io.fulcrum.control.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;

/**
 * The node's end of the control channel, an Agrona {@link Agent} run on the control thread (never on a forwarder
 * agent). Each duty cycle it invokes the embedded media driver and the Aeron client (both in invoker mode, so
 * the whole control plane is one thread), runs queued tasks (SIGHUP reloads, rate sampling), and serves
 * requests one at a time: decode, hand to the handler, answer with the same correlation id. Every request that
 * carries a correlation id gets an answer, malformed ones included.
 */
public final class ControlServer implements Agent {
    static final long SEND_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final int FRAGMENT_LIMIT = 16;

    private final AgentInvoker driverInvoker;
    private final Aeron aeron;
    private final Subscription requests;
    private final Publication responses;
    private final Function<ControlRequest, ControlResponse> handler;
    private final List<Agent> tasks;
    private final ControlCodec.Assembler assembler = new ControlCodec.Assembler();
    private final FragmentHandler fragmentHandler = new FragmentAssembler(this::onFragment);
    private final Runnable idle;
    private long served;

    /**
     * @param driverInvoker the embedded driver's invoker, or null when the driver runs its own threads
     * @param aeron         client connected to that driver (conductor invoker mode when the driver is invoked here)
     * @param channel       control channel URI
     * @param handler       executes one request (on this thread)
     * @param tasks         other duty-cycle work of the control thread
     */
    public ControlServer(final AgentInvoker driverInvoker, final Aeron aeron, final String channel,
                         final Function<ControlRequest, ControlResponse> handler, final List<Agent> tasks) {
        this.driverInvoker = driverInvoker;
        this.aeron = aeron;
        this.handler = handler;
        this.tasks = List.copyOf(tasks);
        this.requests = aeron.addSubscription(channel, ControlMessageDescriptor.REQUEST_STREAM_ID);
        this.responses = aeron.addPublication(channel, ControlMessageDescriptor.RESPONSE_STREAM_ID);
        this.idle = () -> {
            invokeConductors();
            Thread.onSpinWait();
        };
    }

    @Override
    public int doWork() throws Exception {
        int work = invokeConductors();
        for (final Agent task : tasks) {
            work += task.doWork();
        }
        work += requests.poll(fragmentHandler, FRAGMENT_LIMIT);
        return work;
    }

    private int invokeConductors() {
        int work = driverInvoker == null ? 0 : driverInvoker.invoke();
        final AgentInvoker client = aeron.conductorAgentInvoker();
        if (client != null) {
            work += client.invoke();
        }
        return work;
    }

    private void onFragment(final org.agrona.DirectBuffer buffer, final int offset, final int length,
                            final io.aeron.logbuffer.Header header) {
        final ControlCodec.Assembler.Result result = assembler.onMessage(buffer, offset, length);
        switch (result) {
            case ControlCodec.Assembler.Complete complete -> serve(complete.frame());
            case ControlCodec.Assembler.Broken broken -> {
                if (broken.hasCorrelationId()) {
                    respond(new ControlResponse(broken.correlationId(), ResponseStatus.ERROR, broken.reason()));
                }
            }
            case ControlCodec.Assembler.Partial partial -> {
            }
        }
    }

    private void serve(final ControlCodec.Frame frame) {
        final Opcode opcode = Opcode.of(frame.code());
        if (opcode == null) {
            respond(new ControlResponse(frame.correlationId(), ResponseStatus.ERROR, "unknown request code " + frame.code()
                + " (is fulcrumctl newer than this node?)"));
            return;
        }
        final List<String> args;
        try {
            args = ControlCodec.decodeArgs(frame.body());
        } catch (final IllegalArgumentException e) {
            respond(new ControlResponse(frame.correlationId(), ResponseStatus.ERROR, e.getMessage()));
            return;
        }
        ControlResponse response;
        try {
            response = handler.apply(new ControlRequest(frame.correlationId(), opcode, frame.uid(), frame.pid(), args));
        } catch (final RuntimeException e) {
            // a bug in a command: answer it, keep serving
            response = new ControlResponse(frame.correlationId(), ResponseStatus.ERROR, "internal error: " + e);
        }
        served++;
        respond(response);
    }

    private void respond(final ControlResponse response) {
        ControlCodec.send(responses, response.correlationId(), response.status().code(), 0, 0,
            response.text().getBytes(StandardCharsets.UTF_8), System.nanoTime() + SEND_TIMEOUT_NS, idle);
    }

    /** Requests answered so far. */
    public long served() {
        return served;
    }

    @Override
    public void onClose() {
        responses.close();
        requests.close();
    }

    @Override
    public String roleName() {
        return "fulcrum-control";
    }
}
