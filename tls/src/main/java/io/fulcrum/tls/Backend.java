package io.fulcrum.tls;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One backend server of a {@link BackendGroupSettings}: an id (used in logs, metrics and the persistence cookie),
 * its address and its weight.
 *
 * @param id      stable identifier, unique within the group
 * @param address resolved address of the backend
 * @param weight  scheduling weight, 0 = drained (never picked for new requests)
 */
public record Backend(String id, InetSocketAddress address, int weight) {
    /** Validates the fields. */
    public Backend {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("backend " + id + ": address must be resolved: " + address);
        }
        if (weight < 0 || weight > 100) {
            throw new IllegalArgumentException("backend " + id + ": weight must be 0..100, was " + weight);
        }
    }

    /** A backend with weight 1 and the id {@code host:port}. */
    public static Backend of(InetSocketAddress address) {
        return new Backend(address.getAddress().getHostAddress() + ":" + address.getPort(), address, 1);
    }

    /** {@code ip:port} as it appears in access logs. */
    public String hostPort() {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
