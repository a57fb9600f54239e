package io.fulcrum.control;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

import io.fulcrum.scheduler.BackendGroup;
import io.fulcrum.scheduler.GroupSnapshot;
import io.fulcrum.scheduler.FlowHash;
import io.fulcrum.scheduler.SchedulerAlgorithm;
import io.fulcrum.scheduler.outlier.OutlierDetector;
import io.fulcrum.scheduler.outlier.OutlierEvent;
import io.fulcrum.scheduler.persistence.CookieHeaders;
import io.fulcrum.scheduler.persistence.InsertCookieIndex;
import io.fulcrum.scheduler.persistence.SourcePersistence;
import io.fulcrum.tls.Backend;
import io.fulcrum.tls.BackendSelector;
import io.fulcrum.tls.RequestContext;

/**
 * The L7 stage's {@link BackendSelector} backed by the scheduler module: one {@link BackendGroup} per configured
 * group (health, ejection, slow start in its snapshot), picks by the group's algorithm on the calling event loop's
 * lane, connection counts for lc/wlc, outlier input from failures and 5xx answers, and the group's persistence
 * (insert cookie, app cookie, or source IP for proxy-mode listeners).
 *
 * <p>Every method runs on a Netty event loop; apart from cookie values the stage hands over as strings, nothing
 * here allocates.
 */
final class SchedulerBackendSelector implements BackendSelector {
    /** Which persistence the group uses. */
    enum Persistence {
        NONE, INSERT, APP_COOKIE, SOURCE_IP
    }

    private final L7Groups.GroupRuntime runtime;
    private final BackendGroup group;
    private final SchedulerAlgorithm.HashKind hashKind;
    private final Backend[] bySlot;
    private final Map<Backend, Integer> slots = new HashMap<>();
    private final L7Groups.Lanes lanes;
    private final OutlierDetector outliers;
    private final Persistence persistence;
    private final String cookieName;
    private final long timeoutMs;

    SchedulerBackendSelector(final L7Groups.GroupRuntime runtime, final L7Groups.Lanes lanes) {
        this.runtime = runtime;
        this.group = runtime.group;
        this.hashKind = group.configuration().algorithm().hashKind();
        this.bySlot = runtime.bySlot;
        for (int slot = 0; slot < bySlot.length; slot++) {
            if (bySlot[slot] != null) {
                slots.put(bySlot[slot], slot);
            }
        }
        this.lanes = lanes;
        this.outliers = runtime.outliers;
        this.persistence = runtime.persistence;
        this.cookieName = runtime.cookieName;
        this.timeoutMs = runtime.persistenceTimeoutS * 1000L;
    }

    @Override
    public Backend pick(final RequestContext request) {
        final GroupSnapshot snapshot = group.snapshot();
        if (snapshot.eligibleCount() == 0) {
            return null;
        }
        final int lane = lanes.lane();
        final InetSocketAddress client = request.clientAddress();
        final long hash = hash(client);
        int slot;
        if (persistence == Persistence.SOURCE_IP && client.getAddress() instanceof Inet4Address v4) {
            slot = runtime.sourcePersistence.pick(snapshot, group.scheduler(), lane, runtime.groupId, 0,
                SourcePersistence.ipv4Low(v4.hashCode()), hash, timeoutMs, System.currentTimeMillis());
        } else {
            slot = group.scheduler().pick(snapshot, lane, hash);
        }
        for (int attempt = 0; slot >= 0 && attempt <= snapshot.eligibleCount(); attempt++) {
            final Backend b = bySlot[slot];
            if (b != null && !request.alreadyTried(b)) {
                return opened(lane, snapshot, slot);
            }
            slot = group.scheduler().pick(snapshot, lane, hash + attempt + 1);
        }
        // hashing schedulers keep answering the same slot: take any eligible backend not tried yet
        for (int s = 0; s < bySlot.length; s++) {
            if (bySlot[s] != null && snapshot.effectiveWeight(s) > 0 && !request.alreadyTried(bySlot[s])) {
                return opened(lane, snapshot, s);
            }
        }
        return null;
    }

    private Backend opened(final int lane, final GroupSnapshot snapshot, final int slot) {
        group.scheduler().connectionOpened(lane, snapshot.ref(slot));
        return bySlot[slot];
    }

    private long hash(final InetSocketAddress client) {
        if (hashKind == SchedulerAlgorithm.HashKind.NONE) {
            return 0;
        }
        if (client.getAddress() instanceof Inet4Address v4) {
            // Inet4Address.hashCode() is the address itself: no copy of the address bytes
            return hashKind == SchedulerAlgorithm.HashKind.SOURCE ? FlowHash.source(v4.hashCode())
                : FlowHash.flow(v4.hashCode(), 0, client.getPort(), 0, 6);
        }
        final ByteBuffer b = ByteBuffer.wrap(client.getAddress().getAddress());
        final long high = b.getLong();
        final long low = b.getLong();
        return hashKind == SchedulerAlgorithm.HashKind.SOURCE ? FlowHash.source(high, low)
            : FlowHash.flow(high, low, 0, 0, client.getPort(), 0, 6);
    }

    @Override
    public Backend persistent(final RequestContext request) {
        if (persistence != Persistence.INSERT && persistence != Persistence.APP_COOKIE) {
            return null;
        }
        final String value = request.cookie(cookieName);
        if (value == null) {
            return null;
        }
        final int lane = lanes.lane();
        final GroupSnapshot snapshot;
        final int slot;
        if (persistence == Persistence.INSERT) {
            final InsertCookieIndex index = runtime.insertIndex;
            snapshot = index.snapshot();
            slot = index.slotFor(value);
        } else {
            snapshot = group.snapshot();
            slot = runtime.appCookie.slotFor(snapshot, lane, runtime.groupId, value, timeoutMs, System.currentTimeMillis());
        }
        if (slot < 0 || bySlot[slot] == null || request.alreadyTried(bySlot[slot])) {
            return null;
        }
        return opened(lane, snapshot, slot);
    }

    @Override
    public String setCookie(final RequestContext request, final Backend backend) {
        if (persistence != Persistence.INSERT) {
            return null;
        }
        final Integer slot = slots.get(backend);
        if (slot == null) {
            return null;
        }
        final InsertCookieIndex index = runtime.insertIndex;
        final String presented = request.cookie(cookieName);
        if (presented != null && presented.equals(index.value(slot))) {
            return null;
        }
        return index.setCookieHeader(slot, request.secure());
    }

    @Override
    public void learnCookie(final RequestContext request, final Backend backend, final String setCookie) {
        if (persistence != Persistence.APP_COOKIE) {
            return;
        }
        final long bounds = CookieHeaders.findInSetCookie(setCookie, cookieName);
        final Integer slot = slots.get(backend);
        if (bounds < 0 || slot == null) {
            return;
        }
        final CharSequence value = setCookie.subSequence(CookieHeaders.start(bounds), CookieHeaders.end(bounds));
        runtime.appCookie.learn(lanes.lane(), runtime.groupId, value, group.snapshot().ref(slot), timeoutMs,
            System.currentTimeMillis());
    }

    @Override
    public void failed(final Backend backend) {
        final int ref = ref(backend);
        if (ref != 0 && outliers != null) {
            outliers.recordFailure(lanes.lane(), ref, OutlierEvent.CONNECT_FAILURE);
        }
    }

    @Override
    public void responded(final Backend backend, final int status) {
        final int ref = ref(backend);
        if (ref == 0 || outliers == null) {
            return;
        }
        if (status >= 500) {
            outliers.recordFailure(lanes.lane(), ref, OutlierEvent.HTTP_5XX);
        } else {
            outliers.recordSuccess(lanes.lane(), ref);
        }
    }

    @Override
    public void released(final Backend backend) {
        final int ref = ref(backend);
        if (ref != 0) {
            group.scheduler().connectionClosed(lanes.lane(), ref);
        }
    }

    private int ref(final Backend backend) {
        final Integer slot = slots.get(backend);
        return slot == null ? 0 : runtime.refBySlot[slot];
    }
}
