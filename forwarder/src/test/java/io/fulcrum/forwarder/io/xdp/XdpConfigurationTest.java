package io.fulcrum.forwarder.io.xdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class XdpConfigurationTest {
    @Test
    void defaultsSplitTheUmemBetweenReceiveAndTransmit() {
        final XdpConfiguration configuration = XdpConfiguration.defaults("eth1").withOwnedAddresses(0xc6120064);
        assertThat(configuration.rxFrameCount()).isEqualTo(2048);
        assertThat(configuration.txFrameCount()).isEqualTo(2048);
        assertThat(configuration.ownedAddresses()).containsExactly(0xc6120064);
        assertThat(configuration.mode()).isEqualTo(XdpConfiguration.Mode.AUTO);
        assertThat(configuration.withFrames(64, 4096).fillRingSize()).isEqualTo(32);
    }

    @Test
    void rejectsGeometryTheRingsCannotHold() {
        final XdpConfiguration base = XdpConfiguration.defaults("eth1");
        assertThatThrownBy(() -> base.withFrames(1000, 2048)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> base.withFrames(1024, 3000)).hasMessageContaining("2048 or 4096");
        assertThatThrownBy(() -> new XdpConfiguration("eth1", 0, 4096, 2048, 2048, 2048, 1024, 2048,
            XdpConfiguration.Mode.AUTO, XdpConfiguration.ZeroCopy.AUTO, XdpConfiguration.Attach.AUTO, java.util.List.of()))
            .hasMessageContaining("fillRingSize");
        assertThatThrownBy(() -> XdpConfiguration.defaults("an-interface-name-too-long")).hasMessageContaining("1..15");
        assertThatThrownBy(() -> base.withQueueId(-1)).hasMessageContaining("queueId");
    }

    @Test
    void unknownInterfaceIsAClearError() {
        assertThatThrownBy(() -> XdpPacketIo.open(XdpConfiguration.defaults("nosuchif0")))
            .isInstanceOf(XdpSetupException.class)
            .hasMessageContaining("no interface nosuchif0");
    }
}
