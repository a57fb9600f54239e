package io.fulcrum.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class ForwarderConfigurationTest {
    private static final InterfaceConfiguration LB0 = new InterfaceConfiguration("lb0", new int[] {0xc61201fe}, new int[] {24});

    @Test
    void defaultsAreValid() {
        final ForwarderConfiguration configuration = ForwarderConfiguration.withDefaults(0, List.of(LB0));
        assertThat(configuration.batchSize()).isEqualTo(64);
        assertThat(configuration.interfaceIndex("lb0")).isZero();
        assertThat(configuration.interfaceIndex("lb9")).isEqualTo(-1);
        assertThat(LB0).isEqualTo(new InterfaceConfiguration("lb0", new int[] {0xc61201fe}, new int[] {24}));
    }

    @Test
    void badValuesAreRefusedWithAClearMessage() {
        assertThatThrownBy(() -> new InterfaceConfiguration("lb0", new int[] {1}, new int[] {33}))
            .hasMessageContaining("prefix length 33");
        assertThatThrownBy(() -> new InterfaceConfiguration("lb0", new int[0], new int[0])).hasMessageContaining("at least one");
        assertThatThrownBy(() -> ForwarderConfiguration.withDefaults(0, List.of(LB0, LB0))).hasMessageContaining("twice");
        assertThatThrownBy(() -> ForwarderConfiguration.withDefaults(0, List.of(LB0))
            .withStaticNeighbours(List.of(new StaticNeighbourConfiguration(1, 0x0200_0000_0001L, "lb7"))))
            .hasMessageContaining("unknown interface lb7");
        assertThatThrownBy(() -> new StaticNeighbourConfiguration(1, 0xffff_ffff_ffffL, "lb0")).hasMessageContaining("unicast");
        assertThatThrownBy(() -> new ForwarderConfiguration(0, List.of(LB0), List.of(), 1000, 1000, 1000, 8, 64,
            IdleConfiguration.DEFAULT, -1, 0)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new IdleConfiguration(IdleConfiguration.Kind.POLL, 0, 0, 0))
            .hasMessageContaining("pollTimeoutMs");
    }
}
