package io.fulcrum.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class BackendGroupTest {
    @Test
    void newBackendTakesWorkOnlyAfterItsFirstSuccessfulCheck() {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.RR, 1).withHealthChecked(true), 0);
        final int ref = group.add(Backends.backend(1, 100), 0);
        assertThat(group.snapshot().state(GroupSnapshot.slotOf(ref))).isEqualTo(BackendState.DOWN);
        assertThat(group.snapshot().isEligible(ref)).isFalse();
        group.setHealthy(ref, true, 10);
        assertThat(group.snapshot().isEligible(ref)).isTrue();
    }

    @Test
    void checksOffMeansEveryBackendIsHealthy() {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.RR, 1), 0);
        final int[] refs = Backends.fill(group, 100, 100);
        assertThat(group.snapshot().isEligible(refs[0])).isTrue();
        assertThat(group.snapshot().isEligible(refs[1])).isTrue();
    }

    @Test
    void weightZeroDrainsThenCutsExistingFlowsAtTheDeadline() {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.WRR, 1).withDrainTimeoutS(300), 0);
        final int[] refs = Backends.fill(group, 100, 100);
        group.setWeight(refs[0], 0, 1_000);
        final int slot = GroupSnapshot.slotOf(refs[0]);
        GroupSnapshot s = group.snapshot();
        assertThat(s.state(slot)).isEqualTo(BackendState.DRAINING);
        assertThat(s.isEligible(refs[0])).isFalse();
        assertThat(s.admitsExisting(refs[0])).isTrue();
        assertThat(s.drainDeadlineMs(slot)).isEqualTo(301_000);
        assertThat(group.tick(300_999)).isFalse();
        assertThat(group.tick(301_000)).isTrue();
        s = group.snapshot();
        assertThat(s.state(slot)).isEqualTo(BackendState.DRAINED);
        assertThat(s.admitsExisting(refs[0])).isFalse();
        assertThat(s.admitsExisting(refs[1])).isTrue();
        assertThat(group.tick(400_000)).isFalse();
        group.setWeight(refs[0], 50, 500_000);
        assertThat(group.snapshot().isEligible(refs[0])).isTrue();
        assertThat(group.snapshot().drainDeadlineMs(slot)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void removalDrainsThenFreesTheSlotAndInvalidatesTheRef() {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.RR, 1).withDrainTimeoutS(10), 0);
        final int[] refs = Backends.fill(group, 100, 100);
        group.remove(refs[0], 0);
        assertThat(group.snapshot().admitsExisting(refs[0])).isTrue();
        assertThat(group.snapshot().isEligible(refs[0])).isFalse();
        group.tick(10_000);
        assertThat(group.snapshot().admitsExisting(refs[0])).isFalse();
        assertThat(group.snapshot().backend(GroupSnapshot.slotOf(refs[0]))).isNull();
        final int again = group.add(Backends.backend(1, 100), 10_000);
        assertThat(GroupSnapshot.slotOf(again)).isEqualTo(GroupSnapshot.slotOf(refs[0]));
        assertThat(again).isNotEqualTo(refs[0]);
        assertThat(group.snapshot().admitsExisting(refs[0])).isFalse();
    }

    @Test
    void drainTimeoutZeroCutsAtOnce() {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.RR, 1).withDrainTimeoutS(0), 0);
        final int[] refs = Backends.fill(group, 100, 100);
        group.setWeight(refs[0], 0, 5);
        assertThat(group.snapshot().admitsExisting(refs[0])).isFalse();
        group.remove(refs[1], 5);
        assertThat(group.snapshot().admitsExisting(refs[1])).isFalse();
        assertThat(group.refs()).containsExactly(refs[0]);
    }

    @Test
    void backupServesWhilePrimaryIsDownAndFailsBackAutomatically() {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.RR, 1).withHealthChecked(true), 0);
        final int primary = group.add(Backends.backend(1, 100, BackendRole.PRIMARY), 0);
        final int backup = group.add(Backends.backend(2, 100, BackendRole.BACKUP), 0);
        group.setHealthy(backup, true, 0);
        group.setHealthy(primary, true, 0);
        assertThat(pickAll(group, 10)).containsOnly(GroupSnapshot.slotOf(primary));
        assertThat(group.snapshot().state(GroupSnapshot.slotOf(backup))).isEqualTo(BackendState.STANDBY);
        group.setHealthy(primary, false, 1);
        assertThat(pickAll(group, 10)).containsOnly(GroupSnapshot.slotOf(backup));
        group.setHealthy(primary, true, 2);
        assertThat(pickAll(group, 10)).containsOnly(GroupSnapshot.slotOf(primary));
        group.setHealthy(primary, false, 3);
        group.setHealthy(backup, false, 3);
        assertThat(group.scheduler().pick(group.snapshot(), 0, 0)).isEqualTo(Pick.NO_BACKEND_RESET);
    }

    @Test
    void slowStartRampsTheEffectiveWeightInTenSteps() {
        final BackendGroup group = new BackendGroup(
            Backends.config(SchedulerAlgorithm.WLC, 1).withHealthChecked(true).withSlowStartS(100), 0);
        final int[] refs = Backends.fill(group, 80, 80);
        group.setHealthy(refs[0], true, 0);
        group.tick(200_000);
        assertThat(group.snapshot().effectiveWeight(GroupSnapshot.slotOf(refs[0]))).isEqualTo(80);
        group.setHealthy(refs[1], true, 200_000);
        final int slot = GroupSnapshot.slotOf(refs[1]);
        final List<Integer> ramp = new ArrayList<>();
        ramp.add(group.snapshot().effectiveWeight(slot));
        for (long t = 200_000; t <= 300_000; t += 5_000) {
            if (group.tick(t)) {
                ramp.add(group.snapshot().effectiveWeight(slot));
            }
        }
        assertThat(ramp).containsExactly(8, 16, 24, 32, 40, 48, 56, 64, 72, 80);
        // Going down and up again restarts the ramp.
        group.setHealthy(refs[1], false, 400_000);
        group.setHealthy(refs[1], true, 401_000);
        assertThat(group.snapshot().effectiveWeight(slot)).isEqualTo(8);
    }

    @Test
    void refusesBadInputWithClearMessages() throws Exception {
        final InetAddress address = InetAddress.getByName("198.18.0.1");
        assertThatThrownBy(() -> new BackendSpec(address, 80, 101)).hasMessageContaining("weight must be 0-100, got 101");
        assertThatThrownBy(() -> new BackendSpec(address, 80, -1)).hasMessageContaining("weight must be 0-100");
        assertThatThrownBy(() -> new BackendSpec(address, 0, 1)).hasMessageContaining("port must be 1-65535, got 0");
        assertThatThrownBy(() -> new BackendSpec(address, 80, 1, BackendRole.PRIMARY, 70000))
            .hasMessageContaining("health-check port must be 1-65535");
        final BackendGroupConfiguration base = BackendGroupConfiguration.defaults("web", Layer.L4, SchedulerAlgorithm.SH, 2);
        assertThatThrownBy(() -> base.withMaglevTableSize(65536))
            .hasMessageContaining("group web: Maglev table size must be a prime");
        assertThatThrownBy(() -> base.withSlowStartS(3601)).hasMessageContaining("slow-start must be 0-3600 s");
        assertThatThrownBy(() -> base.withDrainTimeoutS(-1)).hasMessageContaining("drain-timeout must be 0-3600 s");
        assertThatThrownBy(() -> base.withCapacity(70000)).hasMessageContaining("capacity must be 1-65536");
        assertThatThrownBy(() -> BackendGroupConfiguration.defaults("web", Layer.L4, SchedulerAlgorithm.RR, 0))
            .hasMessageContaining("lanes must be 1-4096");
        assertThatThrownBy(() -> SchedulerAlgorithm.parse("lblc"))
            .hasMessageContaining("expected one of rr, wrr, lc, wlc, sh, mh");
        assertThatThrownBy(() -> NoBackendAction.parse("reject")).hasMessageContaining("'reset' or 'drop'");

        final BackendGroup group = new BackendGroup(base.withCapacity(2), 0);
        group.add(Backends.backend(1, 100), 0);
        assertThatThrownBy(() -> group.add(Backends.backend(1, 50), 0)).hasMessageContaining("already a member");
        group.add(Backends.backend(2, 100), 0);
        final long version = group.snapshot().version();
        assertThatThrownBy(() -> group.add(Backends.backend(3, 100), 0)).hasMessageContaining("is full (capacity 2)");
        assertThatThrownBy(() -> group.setWeight(12345, 1, 0)).hasMessageContaining("no backend with ref 12345");
        assertThatThrownBy(() -> group.setWeight(group.refs().get(0), 101, 0)).hasMessageContaining("weight must be 0-100");
        assertThat(group.snapshot().version()).isEqualTo(version);
        final BackendGroup l7 = new BackendGroup(BackendGroupConfiguration.defaults("api", Layer.L7, SchedulerAlgorithm.RR, 1),
            0);
        assertThatThrownBy(() -> l7.add(Backends.backend(1, 100, BackendRole.BACKUP), 0))
            .hasMessageContaining("backup backends are an L4 feature");
    }

    @Test
    void listenersSeeEveryPublication() {
        final BackendGroup group = new BackendGroup(Backends.config(SchedulerAlgorithm.RR, 1), 0);
        final List<Long> versions = new ArrayList<>();
        group.addListener(s -> versions.add(s.version()));
        final int ref = group.add(Backends.backend(1, 100), 0);
        group.setWeight(ref, 20, 0);
        assertThat(versions).containsExactly(2L, 3L);
    }

    private static List<Integer> pickAll(final BackendGroup group, final int count) {
        final List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            slots.add(group.scheduler().pick(group.snapshot(), 0, i));
        }
        return slots;
    }

    @Test
    void reconfiguredKeepsRefsStateAndConnectionCountsUnderTheNewAlgorithm() {
        final BackendGroup rr = new BackendGroup(Backends.config(SchedulerAlgorithm.RR, 1).withHealthChecked(true)
            .withDrainTimeoutS(300), 0);
        final int[] refs = Backends.fill(rr, 100, 100, 100);
        rr.setHealthy(refs[0], true, 1);
        rr.setHealthy(refs[1], true, 1);
        rr.setHealthy(refs[2], true, 1);
        rr.remove(refs[2], 10); // draining until 300_010
        // three flows on backend 0, none on backend 1, opened under rr
        for (int i = 0; i < 3; i++) {
            rr.scheduler().connectionOpened(0, refs[0]);
        }
        final BackendGroup wlc = rr.reconfigured(rr.configuration().withAlgorithm(SchedulerAlgorithm.WLC), 20);
        assertThat(wlc.scheduler().algorithm()).isEqualTo(SchedulerAlgorithm.WLC);
        assertThat(wlc.snapshot().isEligible(refs[0])).isTrue();
        assertThat(wlc.snapshot().admitsExisting(refs[2])).isTrue();
        assertThat(wlc.snapshot().isEligible(refs[2])).isFalse();
        assertThat(wlc.scheduler().activeConnections(refs[0])).isEqualTo(3);
        // wlc sees the counts taken under rr: the next pick goes to the idle backend
        assertThat(wlc.snapshot().ref(wlc.scheduler().pick(wlc.snapshot(), 0, 0))).isEqualTo(refs[1]);
        // a flow opened under rr closes through the new scheduler and is uncounted once
        wlc.scheduler().connectionClosed(0, refs[0]);
        assertThat(rr.scheduler().activeConnections(refs[0])).isEqualTo(2);
        // the drain keeps its deadline, health results sent to the old group reach the new one
        assertThat(wlc.tick(300_010)).isTrue();
        assertThat(wlc.snapshot().admitsExisting(refs[2])).isFalse();
        rr.setHealthy(refs[1], false, 300_020);
        assertThat(wlc.snapshot().isEligible(refs[1])).isFalse();
        assertThat(rr.snapshot().isEligible(refs[1])).isTrue();
        // new backends get fresh refs, never one of the old group's
        final int added = wlc.add(Backends.backend(9, 100), 300_030);
        assertThat(added).isNotIn(refs[0], refs[1], refs[2]);
        assertThatThrownBy(() -> rr.reconfigured(rr.configuration(), 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> wlc.reconfigured(wlc.configuration().withCapacity(8), 1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
    }

    @Test
    void reconfiguredWithChecksOffMakesEveryBackendHealthy() {
        final BackendGroup checked = new BackendGroup(Backends.config(SchedulerAlgorithm.RR, 1).withHealthChecked(true), 0);
        final int ref = checked.add(Backends.backend(1, 100), 0);
        assertThat(checked.snapshot().isEligible(ref)).isFalse();
        final BackendGroup unchecked = checked.reconfigured(checked.configuration().withHealthChecked(false), 5);
        assertThat(unchecked.snapshot().isEligible(ref)).isTrue();
    }
}
