package io.fulcrum.forwarder.agent;

import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import io.fulcrum.forwarder.IdleConfiguration;

/** Builds the idle strategy an {@link IdleConfiguration} names. */
public final class IdleStrategies {
    private IdleStrategies() {
    }

    /**
     * @param configuration the configured kind and its parameters.
     * @param pollFds       the agent's port descriptors ({@link ForwarderAgent#pollFds()}), used by POLL.
     */
    public static IdleStrategy create(final IdleConfiguration configuration, final int[] pollFds) {
        return switch (configuration.kind()) {
            case SPIN -> new BusySpinIdleStrategy();
            case YIELD -> new YieldingIdleStrategy();
            case POLL -> new PollIdleStrategy(pollFds, configuration.spinTries(), configuration.yieldTries(),
                configuration.pollTimeoutMs());
        };
    }
}
