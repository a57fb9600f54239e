package io.fulcrum.common.config;

import java.util.List;

/**
 * Neighbour (ARP) table settings ({@code dataplane.neighbours}).
 *
 * @param reachableTimeSeconds how long a learned entry stays valid
 * @param staticNeighbours entries that never age ({@code static:} in the file)
 */
public record NeighbourConfig(
        int reachableTimeSeconds,
        List<StaticNeighbourConfig> staticNeighbours) {
    /** Copies collections so the record stays immutable. */
    public NeighbourConfig {
        staticNeighbours = List.copyOf(staticNeighbours);
    }
}
