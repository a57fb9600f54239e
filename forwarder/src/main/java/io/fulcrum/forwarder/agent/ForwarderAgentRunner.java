package io.fulcrum.forwarder.agent;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import io.fulcrum.forwarder.ForwarderConfiguration;
import io.fulcrum.forwarder.io.sys.Syscalls;
import io.fulcrum.forwarder.stage.ForwarderCounterTypes;

/**
 * Starts a {@link ForwarderAgent} on its own thread ({@code forwarder-agent-<id>}, its role name) with Agrona's
 * {@link AgentRunner}, after optionally pinning the thread to a CPU and giving it SCHED_FIFO priority.
 * What it did (or why it could not) is logged once, at start, before the agent's first duty cycle.
 * Stop it with {@link AgentRunner#close()}.
 */
public final class ForwarderAgentRunner {
    private static final System.Logger LOG = System.getLogger(ForwarderAgentRunner.class.getName());

    private ForwarderAgentRunner() {
    }

    /**
     * Starts {@code agent} with the idle strategy, CPU and priority of {@code configuration}; errors escaping
     * the agent are logged and counted in a counter of type {@link ForwarderCounterTypes#AGENT_ERRORS}.
     */
    public static AgentRunner start(final ForwarderAgent agent, final ForwarderConfiguration configuration,
                                    final CountersManager countersManager) {
        final int agentId = configuration.agentId();
        final AtomicCounter errors = countersManager.newCounter("agent-" + agentId + " errors",
            ForwarderCounterTypes.AGENT_ERRORS, key -> {
                key.putInt(0, agentId);
                key.putInt(4, 0);
            });
        final ErrorHandler errorHandler = error -> LOG.log(System.Logger.Level.ERROR,
            "agent-" + agentId + ": error escaped the duty cycle", error);
        final IdleStrategy idle = IdleStrategies.create(configuration.idle(), agent.pollFds());
        return start(agent, idle, errorHandler, errors, configuration.cpu(), configuration.realtimePriority());
    }

    /**
     * Starts {@code agent} on a new thread.
     *
     * @param cpu              the CPU to pin to, or -1.
     * @param realtimePriority the SCHED_FIFO priority 1..99, or 0 to keep the default policy.
     */
    public static AgentRunner start(final ForwarderAgent agent, final IdleStrategy idle, final ErrorHandler errorHandler,
                                    final AtomicCounter errorCounter, final int cpu, final int realtimePriority) {
        final AgentRunner runner = new AgentRunner(idle, errorHandler, errorCounter, agent);
        final String name = agent.roleName();
        AgentRunner.startOnThread(runner, task -> {
            final Thread thread = new Thread(() -> {
                LOG.log(System.Logger.Level.INFO, applyPlacement(name, cpu, realtimePriority) + ", idle " + idle.alias());
                task.run();
            }, name);
            thread.setDaemon(false);
            return thread;
        });
        return runner;
    }

    /**
     * Pins the calling thread and sets its scheduling policy as asked.
     *
     * @return a description of what was done, for the log.
     */
    public static String applyPlacement(final String name, final int cpu, final int realtimePriority) {
        final StringBuilder text = new StringBuilder(name);
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment callState = Syscalls.newCallState(arena);
            text.append(" (tid ").append(Syscalls.gettid(callState)).append(')');
            if (cpu >= 0) {
                if (Syscalls.pinCurrentThread(callState, cpu) == 0) {
                    text.append(": pinned to CPU ").append(cpu);
                } else {
                    text.append(": NOT pinned to CPU ").append(cpu).append(": ")
                        .append(Syscalls.describe(Syscalls.errno(callState)));
                }
            } else {
                text.append(": not pinned");
            }
            if (realtimePriority > 0) {
                if (Syscalls.setFifoPriority(callState, realtimePriority) == 0) {
                    text.append(", SCHED_FIFO ").append(realtimePriority);
                } else {
                    text.append(", NOT SCHED_FIFO ").append(realtimePriority).append(": ")
                        .append(Syscalls.describe(Syscalls.errno(callState)));
                }
            } else {
                text.append(", default scheduling");
            }
        }
        return text.toString();
    }
}
