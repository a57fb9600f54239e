package io.fulcrum.scheduler;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Test helpers: backends on 198.18.0.0/15 addresses (never contacted). */
final class Backends {
    private Backends() {
    }

    static BackendSpec backend(final int index, final int weight) {
        return backend(index, weight, BackendRole.PRIMARY);
    }

    static BackendSpec backend(final int index, final int weight, final BackendRole role) {
        try {
            final InetAddress address = InetAddress.getByAddress(new byte[] {(byte) 198, 18, (byte) (index >> 8), (byte) index});
            return new BackendSpec(address, 8080, weight, role, 0);
        } catch (final UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static BackendGroupConfiguration config(final SchedulerAlgorithm algorithm, final int lanes) {
        return BackendGroupConfiguration.defaults("g", Layer.L4, algorithm, lanes).withHealthChecked(false);
    }

    /** A group with the given weights, checks off, backends added at time 0. Returns refs in order. */
    static int[] fill(final BackendGroup group, final int... weights) {
        final int[] refs = new int[weights.length];
        for (int i = 0; i < weights.length; i++) {
            refs[i] = group.add(backend(i + 1, weights[i]), 0);
        }
        return refs;
    }
}
