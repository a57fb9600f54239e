package io.fulcrum.scheduler.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PersistenceTableTest {
    @Test
    void storesLooksUpAndExpiresOnTheFakeClock() {
        try (PersistenceTable table = new PersistenceTable(4096, 2, true)) {
            assertThat(table.lookup(0, 1, 0, 42, 10_000, 0)).isEqualTo(PersistenceTable.MISS);
            assertThat(table.putIfAbsent(0, 1, 0, 42, 0x10003, 0, 10_000, 1_000)).isEqualTo(0x10003);
            assertThat(table.lookup(1, 1, 0, 42, 10_000, 10_999)).isEqualTo(0x10003);
            // Another group with the same key is another entry.
            assertThat(table.lookup(1, 2, 0, 42, 10_000, 2_000)).isEqualTo(PersistenceTable.MISS);
            assertThat(table.entries()).isEqualTo(1);
            assertThat(table.hits()).isEqualTo(1);
        }
    }

    @Test
    void timeoutSlidesWithUseAndEndsAfterIdleTimeout() {
        try (PersistenceTable table = new PersistenceTable(4096, 1, true)) {
            table.putIfAbsent(0, 1, 0, 7, 0x10001, 0, 10_000, 0);
            for (long t = 2_000; t <= 30_000; t += 2_000) {
                assertThat(table.lookup(0, 1, 0, 7, 10_000, t)).as("t=%d", t).isEqualTo(0x10001);
            }
            assertThat(table.lookup(0, 1, 0, 7, 10_000, 39_999)).isEqualTo(0x10001);
            assertThat(table.lookup(0, 1, 0, 7, 10_000, 50_000)).isEqualTo(PersistenceTable.MISS);
        }
    }

    @Test
    void putIfAbsentKeepsAnotherCoresLiveEntryButReplacesStaleAndExpiredOnes() {
        try (PersistenceTable table = new PersistenceTable(4096, 2, true)) {
            assertThat(table.putIfAbsent(0, 1, 5, 5, 0x10001, 0, 1_000, 0)).isEqualTo(0x10001);
            assertThat(table.putIfAbsent(1, 1, 5, 5, 0x10002, 0, 1_000, 10)).isEqualTo(0x10001);
            assertThat(table.putIfAbsent(1, 1, 5, 5, 0x10002, 0x10001, 1_000, 10)).isEqualTo(0x10002);
            assertThat(table.putIfAbsent(1, 1, 5, 5, 0x10003, 0, 1_000, 5_000)).isEqualTo(0x10003);
            assertThat(table.put(0, 1, 5, 5, 0x10004, 1_000, 5_000)).isEqualTo(0x10004);
            assertThat(table.entries()).isEqualTo(1);
        }
    }

    @Test
    void fullBucketsEvictTheOldestOrRefuseAndEverythingIsCounted() {
        final int keys = 20_000;
        try (PersistenceTable evicting = new PersistenceTable(1024, 1, true);
             PersistenceTable refusing = new PersistenceTable(1024, 1, false)) {
            for (int k = 1; k <= keys; k++) {
                assertThat(evicting.putIfAbsent(0, 1, 0, k, 0x10001, 0, 100_000 + k, 0)).isEqualTo(0x10001);
                refusing.putIfAbsent(0, 1, 0, k, 0x10001, 0, 100_000, 0);
            }
            assertThat(evicting.capacity()).isEqualTo(1536);
            assertThat(evicting.memoryBytes()).isEqualTo(512 * 128);
            assertThat(evicting.entries()).isEqualTo(evicting.capacity());
            assertThat(evicting.evictions()).isEqualTo(keys - evicting.capacity());
            assertThat(evicting.tableFull()).isZero();
            assertThat(refusing.entries()).isEqualTo(refusing.capacity());
            assertThat(refusing.tableFull()).isEqualTo(keys - refusing.capacity());
            assertThat(refusing.evictions()).isZero();
            // The newest keys survive in the evicting table.
            assertThat(evicting.lookup(0, 1, 0, keys, 1_000, 1)).isEqualTo(0x10001);
        }
    }

    @Test
    void sweepFreesExpiredEntries() {
        try (PersistenceTable table = new PersistenceTable(1 << 20, 1, true)) {
            for (int k = 1; k <= 1000; k++) {
                table.putIfAbsent(0, 1, 0, k, 0x10001, 0, k <= 600 ? 1_000 : 100_000, 0);
            }
            assertThat(table.entries()).isEqualTo(1000);
            int freed = 0;
            for (int i = 0; i < 64; i++) {
                freed += table.sweep(5_000, 8192);
            }
            assertThat(freed).isEqualTo(600);
            assertThat(table.entries()).isEqualTo(400);
        }
    }

    @Test
    void refusesBadSizes() {
        assertThatThrownBy(() -> new PersistenceTable(10, 1, true)).hasMessageContaining("capacity must be 1024-16777216");
        assertThatThrownBy(() -> new PersistenceTable(4096, 0, true)).hasMessageContaining("lanes must be 1-4096");
        assertThatThrownBy(() -> SourcePersistence.validateTimeoutS(3601)).hasMessageContaining("1-3600 s, got 3601");
        assertThatThrownBy(() -> SourcePersistence.validateTimeoutS(0)).hasMessageContaining("1-3600 s");
        assertThatThrownBy(() -> AppCookiePersistence.validateTimeoutS(86_401)).hasMessageContaining("1-86400 s");
        assertThatThrownBy(() -> new NodeSecret(new byte[8])).hasMessageContaining("at least 16 bytes, got 8 bytes");
    }
}
