package io.fulcrum.forwarder.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;

import io.fulcrum.forwarder.IdleConfiguration;
import io.fulcrum.forwarder.io.sys.Syscalls;
import io.fulcrum.forwarder.testing.AgentHarness;

class PollIdleStrategyTest {

    @Test
    void spinsThenYieldsThenBlocksInPollUntilTheTimeout() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment callState = Syscalls.newCallState(arena);
            final int fd = Syscalls.socket(callState, Syscalls.AF_INET, Syscalls.SOCK_DGRAM | Syscalls.SOCK_CLOEXEC, 0);
            assertThat(fd).isGreaterThanOrEqualTo(0);
            try {
                final PollIdleStrategy idle = new PollIdleStrategy(new int[] {-1, fd}, 3, 2, 5);
                for (int i = 0; i < 5; i++) {
                    idle.idle(0);
                }
                assertThat(idle.polls()).isZero();
                final long start = System.nanoTime();
                idle.idle(0);
                idle.idle(0);
                final long elapsedMs = (System.nanoTime() - start) / 1_000_000;
                assertThat(idle.polls()).isEqualTo(2);
                assertThat(idle.pollErrors()).isZero();
                // poll() on a socket with nothing to read sleeps the full timeout (a lower bound, never flaky).
                assertThat(elapsedMs).isGreaterThanOrEqualTo(9);

                idle.idle(1);
                idle.idle(0);
                assertThat(idle.polls()).isEqualTo(2);
            } finally {
                Syscalls.close(callState, fd);
            }
        }
    }

    @Test
    void withoutDescriptorsItParksForTheTimeout() {
        final PollIdleStrategy idle = new PollIdleStrategy(new int[] {-1}, 0, 0, 2);
        final long start = System.nanoTime();
        idle.idle(0);
        assertThat(idle.polls()).isEqualTo(1);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(1_000_000L);
    }

    @Test
    void theConfigurationPicksTheStrategy() {
        assertThat(IdleStrategies.create(new IdleConfiguration(IdleConfiguration.Kind.SPIN, 0, 0, 1), new int[0]))
            .isInstanceOf(BusySpinIdleStrategy.class);
        assertThat(IdleStrategies.create(new IdleConfiguration(IdleConfiguration.Kind.YIELD, 0, 0, 1), new int[0]))
            .isInstanceOf(YieldingIdleStrategy.class);
        assertThat(IdleStrategies.create(IdleConfiguration.DEFAULT, new int[] {-1})).isInstanceOf(PollIdleStrategy.class);
    }

    @Test
    void theRunnerStartsTheAgentPinnedOnItsOwnThreadAndStopsIt() throws InterruptedException {
        final AgentHarness harness = new AgentHarness();
        final AgentRunner runner = ForwarderAgentRunner.start(harness.agent(), new PollIdleStrategy(new int[0], 1, 1, 1),
            harness.errors()::add, null, 0, 0);
        try {
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (runner.thread() == null && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(runner.thread()).isNotNull();
            assertThat(runner.thread().getName()).isEqualTo("forwarder-agent-0");
        } finally {
            runner.close();
        }
        assertThat(runner.isClosed()).isTrue();
        assertThat(harness.errors()).isEmpty();
    }

    @Test
    void placementReportsWhatItDid() throws InterruptedException {
        final String[] result = new String[1];
        final Thread thread = new Thread(() -> result[0] = ForwarderAgentRunner.applyPlacement("t", 0, 0));
        thread.start();
        thread.join(10_000);
        assertThat(result[0]).contains("pinned to CPU 0").contains("default scheduling");
        assertThat(List.of(result[0].split(" "))).contains("(tid");
    }
}
