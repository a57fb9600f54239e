package io.fulcrum.scheduler.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.BackendGroupConfiguration;
import io.fulcrum.scheduler.BackendSpec;
import io.fulcrum.scheduler.GroupSnapshot;
import io.fulcrum.scheduler.Layer;
import io.fulcrum.scheduler.SchedulerAlgorithm;

class CookiePersistenceTest {
    private static final NodeSecret SECRET =
        new NodeSecret("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));

    private static BackendGroup group() throws Exception {
        final BackendGroup group = new BackendGroup(
            BackendGroupConfiguration.defaults("api", Layer.L7, SchedulerAlgorithm.WRR, 2).withHealthChecked(false), 0);
        for (int i = 1; i <= 3; i++) {
            group.add(new BackendSpec(InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) i}), 8080, 100), 0);
        }
        return group;
    }

    @Test
    void insertCookieNamesTheBackendWithoutExposingItsAddress() throws Exception {
        final BackendGroup group = group();
        final InsertCookieCodec codec = new InsertCookieCodec(SECRET, InsertCookieCodec.DEFAULT_NAME, 1200);
        final InsertCookieIndex index = codec.index(group.snapshot());
        final GroupSnapshot s = group.snapshot();
        for (int slot = 0; slot < 3; slot++) {
            final String value = index.value(slot);
            assertThat(value).hasSize(22).doesNotContain("10.0.0").matches("[A-Za-z0-9_-]+");
            assertThat(index.slotFor(new StringBuilder(value))).isEqualTo(slot);
            assertThat(index.setCookieHeader(slot, false)).isEqualTo("FULCRUM_ID=" + value + "; Path=/; Max-Age=1200; HttpOnly");
            assertThat(index.setCookieHeader(slot, true)).endsWith("; HttpOnly; Secure");
            // Same secret, same backend: same value on another node or after a restart.
            assertThat(new InsertCookieCodec(SECRET, "FULCRUM_ID", 60).valueFor("api", s.backend(slot).spec())).isEqualTo(value);
        }
        assertThat(index.value(0)).isNotEqualTo(index.value(1));
        assertThat(new InsertCookieCodec(NodeSecret.random(), "FULCRUM_ID", 60).valueFor("api", s.backend(0).spec()))
            .isNotEqualTo(index.value(0));
        assertThat(index.slotFor("forged-value-000000000")).isEqualTo(-1);
        assertThat(index.needsInsert(null, 0, 200)).isTrue();
        assertThat(index.needsInsert(index.value(0), 0, 200)).isFalse();
        assertThat(index.needsInsert(index.value(1), 0, 302)).isTrue();
        assertThat(index.needsInsert(null, 0, 404)).isFalse();
        assertThat(InsertCookieCodec.mayInsert(400)).isFalse();
        assertThat(InsertCookieCodec.mayInsert(499)).isFalse();
        assertThat(InsertCookieCodec.mayInsert(503)).isTrue();
        // A backend that stops taking work no longer resolves.
        group.setWeight(s.ref(1), 0, 1);
        assertThat(codec.index(group.snapshot()).slotFor(index.value(1))).isEqualTo(-1);
    }

    @Test
    void appCookieIsLearntSharedAcrossLanesAndExpires() throws Exception {
        final BackendGroup group = group();
        try (PersistenceTable table = new PersistenceTable(4096, 2, true)) {
            final AppCookiePersistence persistence = new AppCookiePersistence(table, SECRET);
            final GroupSnapshot s = group.snapshot();
            assertThat(persistence.learn(0, 3, "JSESSIONID-abc123", s.ref(2), 30_000, 0)).isEqualTo(s.ref(2));
            assertThat(persistence.slotFor(s, 1, 3, new StringBuilder("JSESSIONID-abc123"), 30_000, 29_999)).isEqualTo(2);
            assertThat(persistence.slotFor(s, 1, 3, "JSESSIONID-abc124", 30_000, 1)).isEqualTo(-1);
            assertThat(persistence.lookup(0, 3, "JSESSIONID-abc123", 30_000, 59_998)).isEqualTo(s.ref(2));
            assertThat(persistence.lookup(0, 3, "JSESSIONID-abc123", 30_000, 90_000)).isEqualTo(PersistenceTable.MISS);
            assertThat(persistence.learn(0, 3, "", s.ref(2), 30_000, 0)).isNegative();
            assertThat(persistence.learn(0, 3, "x".repeat(5000), s.ref(2), 30_000, 0)).isNegative();
        }
    }

    @Test
    void cookieHeadersAreParsedWithoutAllocation() {
        final String header = "a=1; FULCRUM_ID=\"xyz\" ; FULCRUM_IDX=2;b";
        final long bounds = CookieHeaders.findInCookie(header, "FULCRUM_ID");
        assertThat(header.substring(CookieHeaders.start(bounds), CookieHeaders.end(bounds))).isEqualTo("xyz");
        assertThat(CookieHeaders.findInCookie(header, "c")).isEqualTo(-1);
        assertThat(CookieHeaders.findInCookie("FULCRUM_ID", "FULCRUM_ID")).isEqualTo(-1);
        final String set = "SESSION=s3cr3t; Path=/; HttpOnly";
        final long b = CookieHeaders.findInSetCookie(set, "SESSION");
        assertThat(set.substring(CookieHeaders.start(b), CookieHeaders.end(b))).isEqualTo("s3cr3t");
        assertThat(CookieHeaders.findInSetCookie(set, "Path")).isEqualTo(-1);
    }

    @Test
    void refusesBadCookieNames() {
        assertThatThrownBy(() -> new InsertCookieCodec(SECRET, "bad name", 10))
            .hasMessageContaining("not allowed in a cookie name");
        assertThatThrownBy(() -> new InsertCookieCodec(SECRET, "", 10)).hasMessageContaining("1-64 characters");
        assertThatThrownBy(() -> new InsertCookieCodec(SECRET, "ok", 0)).hasMessageContaining("1-86400 s");
    }
}
