package io.fulcrum.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.common.config.ConfigLoader;
import io.fulcrum.common.config.FulcrumConfig;
import io.fulcrum.forwarder.l4.L4Snapshot;
import io.fulcrum.forwarder.l4.L4TrafficCounters;
import io.fulcrum.forwarder.l4.TrafficCounters;

/**
 * The conductor side of the L4 traffic counters: every listener and backend gets seven counters per agent with
 * the labels of docs/metrics.md, published in the snapshot; a backend added at runtime gets its own, and a
 * removed one keeps them until its group frees the slot, then they are freed after the grace period.
 */
class L4BindingTrafficTest {
    private static final String CONFIG = """
        node: {name: traffic}
        dataplane:
          io: af_packet
          agents: 2
          interfaces:
            - {name: cli0, addresses: [198.18.0.100/24]}
            - {name: srv0, addresses: [198.18.1.100/24]}
          local-addresses: [{address: 198.18.1.100, ports: "10000-60999"}]
          flow-table: {capacity: 1024}
        listeners:
          - {name: web, protocol: tcp, vip: 198.18.0.100, port: 80, mode: fullnat, group: web}
          - {name: dns, protocol: udp, vip: 198.18.0.100, port: 53, mode: dnat, group: web}
        backend-groups:
          - name: web
            scheduler: rr
            drain-timeout: DRAIN
            backends: [BACKENDS]
        """;
    private static final String ONE = "{address: 198.18.1.11, port: 80}";
    private static final String TWO = "{address: 198.18.1.12, port: 80}";

    private final CountersManager manager = new CountersManager(new UnsafeBuffer(new byte[1 << 20]),
        new UnsafeBuffer(new byte[1 << 18]));
    private L4Binding binding;

    @AfterEach
    void tearDown() {
        if (binding != null) {
            binding.close();
        }
    }

    private static FulcrumConfig config(final int drainS, final String... backends) throws Exception {
        return ConfigLoader.parse(CONFIG.replace("DRAIN", Integer.toString(drainS))
            .replace("BACKENDS", String.join(", ", backends)), "traffic.yaml");
    }

    private List<String> labels() {
        final List<String> labels = new ArrayList<>();
        manager.forEach((value, id, label) -> labels.add(label));
        return labels;
    }

    @Test
    void everyListenerAndBackendHasSevenCountersPerAgentInTheSnapshot() throws Exception {
        binding = L4Binding.create(config(0, ONE), null, manager, 0);
        final List<String> labels = labels();
        assertThat(labels).hasSize(2 * (2 + 1) * 7);
        for (final String metric : TrafficCounters.METRICS) {
            for (int agent = 0; agent < 2; agent++) {
                assertThat(labels).contains("agent-" + agent + " listener web " + metric,
                    "agent-" + agent + " listener dns " + metric, "agent-" + agent + " backend web/198.18.1.11:80 " + metric);
            }
        }
        final L4Snapshot snapshot = binding.runtime().snapshot();
        final L4TrafficCounters traffic = snapshot.trafficCounters();
        assertThat(traffic.agents()).isEqualTo(2);
        final int ref = snapshot.group(0).snapshot().ref(0);
        final TrafficCounters[] perAgent = binding.backendTraffic("web", "198.18.1.11:80");
        assertThat(traffic.backend(1, 0, ref)).isSameAs(perAgent[1]);
        assertThat(traffic.listener(0, 1)).isNotNull().isNotSameAs(traffic.listener(1, 1));
    }

    @Test
    void backendsAddedAtRuntimeGetCountersAndRemovedOnesAreFreedAfterDraining() throws Exception {
        final FulcrumConfig one = config(0, ONE);
        binding = L4Binding.create(one, null, manager, 0);
        final FulcrumConfig both = config(0, ONE, TWO);
        assertThat(binding.step().check(one, both, null)).isEmpty();
        binding.step().apply(one, both, null);
        assertThat(labels()).contains("agent-1 backend web/198.18.1.12:80 out-bytes").hasSize(2 * 4 * 7);
        final TrafficCounters[] added = binding.backendTraffic("web", "198.18.1.12:80");
        final L4Snapshot snapshot = binding.runtime().snapshot();
        final int slot = 1;
        final int ref = snapshot.group(0).snapshot().ref(slot);
        assertThat(snapshot.trafficCounters().backend(0, 0, ref)).isSameAs(added[0]);

        final FulcrumConfig two = config(0, TWO);
        binding.step().apply(both, two, null);
        final long nowMs = System.nanoTime() / 1_000_000L;
        binding.tick(nowMs);
        assertThat(binding.runtime().snapshot().group(0).snapshot().ref(0)).isZero();
        assertThat(binding.retiredCount()).isEqualTo(1);
        assertThat(labels()).contains("agent-0 backend web/198.18.1.11:80 conns");
        binding.tick(nowMs + L4Binding.RETIRE_GRACE_MS + 1_000);
        assertThat(binding.retiredCount()).isZero();
        assertThat(labels()).noneMatch(l -> l.contains("198.18.1.11")).hasSize(2 * 3 * 7);
        assertThat(binding.runtime().snapshot().trafficCounters().backend(0, 0, ref)).isSameAs(added[0]);
    }
}
