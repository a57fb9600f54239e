package io.fulcrum.scheduler.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.fulcrum.scheduler.Layer;
import io.fulcrum.scheduler.SchedulerAlgorithm;

class PersistenceCompatibilityTest {
    @Test
    void acceptsTheRecommendedCombinations() {
        assertThat(PersistenceCompatibility.check(Layer.L4, SchedulerAlgorithm.WRR, PersistenceMode.SOURCE_IP, true, null, 1200)
            .accepted()).isTrue();
        assertThat(PersistenceCompatibility.check(Layer.L7, SchedulerAlgorithm.RR, PersistenceMode.INSERT, false, null, 86_400)
            .warnings()).isEmpty();
        assertThat(PersistenceCompatibility.check(Layer.L4, SchedulerAlgorithm.SH, PersistenceMode.NONE, false, null, 0)
            .accepted()).isTrue();
    }

    @Test
    void refusesRedundantConflictingAndMisplacedModes() {
        assertThat(PersistenceCompatibility.check(Layer.L4, SchedulerAlgorithm.SH, PersistenceMode.SOURCE_IP, false, null, 60)
            .errors()).singleElement().asString().contains("redundant with scheduler sh");
        assertThat(PersistenceCompatibility.check(Layer.L4, SchedulerAlgorithm.MH, PersistenceMode.SOURCE_IP, false, null, 60)
            .errors()).singleElement().asString().contains("conflicts with scheduler mh");
        assertThat(PersistenceCompatibility.check(Layer.L7, SchedulerAlgorithm.WRR, PersistenceMode.SOURCE_IP, false, null, 60)
            .errors()).singleElement().asString().contains("L4 only");
        assertThat(PersistenceCompatibility.check(Layer.L4, SchedulerAlgorithm.WRR, PersistenceMode.INSERT, false, null, 60)
            .errors()).singleElement().asString().contains("L7 only");
        assertThat(PersistenceCompatibility.check(Layer.L7, SchedulerAlgorithm.WRR, PersistenceMode.APP_COOKIE, false, null, 60)
            .errors()).singleElement().asString().contains("needs the name");
        assertThat(PersistenceCompatibility.check(Layer.L7, SchedulerAlgorithm.WRR, PersistenceMode.NONE, true, null, 0)
            .errors()).singleElement().asString().contains("L4 feature");
        assertThat(PersistenceCompatibility.check(Layer.L4, SchedulerAlgorithm.RR, PersistenceMode.SOURCE_IP, false, null, 3601)
            .errors()).singleElement().asString().contains("1-3600 s");
    }

    @Test
    void warnsAboutLeastConnectionsWithPersistence() {
        final PersistenceCompatibility.Verdict verdict =
            PersistenceCompatibility.check(Layer.L4, SchedulerAlgorithm.WLC, PersistenceMode.SOURCE_IP, false, null, 300);
        assertThat(verdict.accepted()).isTrue();
        assertThat(verdict.warnings()).singleElement().asString().contains("connection counts stop steering");
    }
}
