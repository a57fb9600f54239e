package io.fulcrum.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class MaglevTableTest {
    private static final int[] WEIGHTS = {1, 5, 10, 20, 25, 33, 50, 64, 80, 100};

    @Test
    void eachBackendsTableShareIsWithinOnePercentOfItsWeightShare() {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.SH, 1), 0);
        final int[] refs = Backends.fill(group, WEIGHTS);
        final int[] table = group.snapshot().pickTable();
        assertThat(table).hasSize(MaglevTable.DEFAULT_SIZE);
        final int[] owned = new int[group.snapshot().capacity()];
        for (final int slot : table) {
            owned[slot]++;
        }
        int total = 0;
        for (final int w : WEIGHTS) {
            total += w;
        }
        for (int i = 0; i < refs.length; i++) {
            final double expected = WEIGHTS[i] / (double) total;
            final double actual = owned[GroupSnapshot.slotOf(refs[i])] / (double) table.length;
            assertThat(Math.abs(actual - expected) / expected).as("backend %d: %.5f vs %.5f", i, actual, expected)
                .isLessThan(0.01);
        }
    }

    @Test
    void equalWeightsFillTableEvenly() {
        final int n = 100;
        final int[] weights = new int[n];
        java.util.Arrays.fill(weights, 100);
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.MH, 1).withCapacity(n), 0);
        Backends.fill(group, weights);
        final int[] owned = new int[n];
        for (final int slot : group.snapshot().pickTable()) {
            owned[slot]++;
        }
        final int floor = MaglevTable.DEFAULT_SIZE / n;
        for (final int count : owned) {
            assertThat(count).isBetween(floor, floor + 1);
        }
    }

    enum Removal { HEALTH_DOWN, WEIGHT_ZERO, REMOVED_DRAINING, EJECTED }

    @ParameterizedTest
    @EnumSource(Removal.class)
    void removingOneOfNMovesOnlyItsOwnEntries(final Removal removal) {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.SH, 1), 0);
        final int[] refs = Backends.fill(group, WEIGHTS);
        final int[] before = group.snapshot().pickTable();
        final int victim = refs[6];
        switch (removal) {
            case HEALTH_DOWN -> {
                group.setHealthy(victim, false, 1);
            }
            case WEIGHT_ZERO -> group.setWeight(victim, 0, 1);
            case REMOVED_DRAINING -> group.remove(victim, 1);
            case EJECTED -> group.setEjected(victim, true, 1);
            default -> throw new IllegalStateException();
        }
        final int[] after = group.snapshot().pickTable();
        final int victimSlot = GroupSnapshot.slotOf(victim);
        int moved = 0;
        for (int p = 0; p < before.length; p++) {
            assertThat(after[p]).isNotEqualTo(victimSlot);
            if (before[p] != victimSlot) {
                assertThat(after[p]).as("entry %d moved", p).isEqualTo(before[p]);
            } else {
                moved++;
            }
        }
        assertThat(moved).isGreaterThan(0);
        // Coming back restores the very same table.
        switch (removal) {
            case HEALTH_DOWN -> group.setHealthy(victim, true, 2);
            case WEIGHT_ZERO -> group.setWeight(victim, WEIGHTS[6], 2);
            case EJECTED -> group.setEjected(victim, false, 2);
            case REMOVED_DRAINING -> {
                return;
            }
            default -> throw new IllegalStateException();
        }
        assertThat(group.snapshot().pickTable()).isEqualTo(before);
    }

    @Test
    void purgingADrainedBackendKeepsChurnSmall() {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.SH, 1).withDrainTimeoutS(0), 0);
        final int[] refs = Backends.fill(group, WEIGHTS);
        final int[] before = group.snapshot().pickTable();
        group.remove(refs[6], 1);
        final int[] after = group.snapshot().pickTable();
        final int victimSlot = GroupSnapshot.slotOf(refs[6]);
        int movedOthers = 0;
        int victimEntries = 0;
        for (int p = 0; p < before.length; p++) {
            if (before[p] == victimSlot) {
                victimEntries++;
            } else if (after[p] != before[p]) {
                movedOthers++;
            }
        }
        // Maglev's own churn when the base table is rebuilt: bounded, small next to the victim's share.
        assertThat(movedOthers).isLessThan(victimEntries);
    }

    @Test
    void tableDoesNotDependOnAddOrder() {
        final BackendGroup forward = new BackendGroup(Backends.config(SchedulerAlgorithm.MH, 1), 0);
        final BackendGroup backward = new BackendGroup(Backends.config(SchedulerAlgorithm.MH, 1), 0);
        for (int i = 0; i < WEIGHTS.length; i++) {
            forward.add(Backends.backend(i + 1, WEIGHTS[i]), 0);
        }
        for (int i = WEIGHTS.length - 1; i >= 0; i--) {
            backward.add(Backends.backend(i + 1, WEIGHTS[i]), 0);
        }
        final Map<Integer, String> f = endpoints(forward.snapshot());
        final Map<Integer, String> b = endpoints(backward.snapshot());
        final int[] tf = forward.snapshot().pickTable();
        final int[] tb = backward.snapshot().pickTable();
        for (int p = 0; p < tf.length; p++) {
            assertThat(f.get(tf[p])).isEqualTo(b.get(tb[p]));
        }
    }

    @Test
    void slowStartGivesARampingBackendPartOfItsOwnEntriesOnly() {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.SH, 1).withSlowStartS(100), 0);
        final int[] refs = Backends.fill(group, 100, 100, 100, 100);
        group.tick(100_000);
        final int[] full = group.snapshot().pickTable();
        group.setHealthy(refs[0], true, 100_000);
        group.setEjected(refs[0], true, 100_000);
        group.setEjected(refs[0], false, 100_000);
        final int[] ramped = group.snapshot().pickTable();
        final int slot = GroupSnapshot.slotOf(refs[0]);
        int kept = 0;
        int own = 0;
        for (int p = 0; p < full.length; p++) {
            if (full[p] == slot) {
                own++;
                if (ramped[p] == slot) {
                    kept++;
                }
            }
            if (ramped[p] == slot) {
                assertThat(full[p]).isEqualTo(slot);
            }
        }
        assertThat(kept / (double) own).isBetween(0.05, 0.15);
        group.tick(200_000);
        assertThat(group.snapshot().pickTable()).isEqualTo(full);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 250, 65536, 65535, (1 << 22) + 15})
    void refusesSizesThatAreNotAcceptedPrimes(final int size) {
        assertThatThrownBy(() -> new MaglevTable(size)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("prime between 251");
    }

    private static Map<Integer, String> endpoints(final GroupSnapshot snapshot) {
        final Map<Integer, String> bySlot = new HashMap<>();
        for (int slot = 0; slot < snapshot.capacity(); slot++) {
            if (snapshot.backend(slot) != null) {
                bySlot.put(slot, snapshot.backend(slot).spec().address().getHostAddress());
            }
        }
        return bySlot;
    }
}
