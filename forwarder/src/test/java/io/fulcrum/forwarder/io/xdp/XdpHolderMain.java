package io.fulcrum.forwarder.io.xdp;

import io.fulcrum.forwarder.io.sys.NetNamespace;

/**
 * A child process for {@link XdpLifecycleTest}: opens an AF_XDP port in a namespace, prints
 * {@code ATTACHED <description>} and waits (at most 60 s) to be killed.
 * Arguments: namespace interface mode(NATIVE|GENERIC) attach(AUTO|LINK|NETLINK).
 */
public final class XdpHolderMain {
    private XdpHolderMain() {
    }

    public static void main(final String[] args) throws InterruptedException {
        final XdpConfiguration configuration = XdpConfiguration.defaults(args[1]).withFrames(256, 2048)
            .withMode(XdpConfiguration.Mode.valueOf(args[2])).withAttach(XdpConfiguration.Attach.valueOf(args[3]))
            .withOwnedAddresses(VethNetwork.VIP);
        final XdpPacketIo port;
        try (NetNamespace ignored = NetNamespace.enter(args[0])) {
            port = XdpPacketIo.open(configuration);
        }
        System.out.println("ATTACHED " + port.attachDescription());
        System.out.flush();
        Thread.sleep(60_000);
        port.close();
    }
}
