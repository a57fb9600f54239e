package io.fulcrum.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * An immutable set of IPv4/IPv6 CIDR blocks, used for the trusted PROXY-protocol sources of a listener. Lookups scan
 * the blocks (the list is short, a handful of proxies) and allocate nothing.
 */
public final class CidrSet {
    private final byte[][] networks;
    private final int[] prefixLengths;

    private CidrSet(byte[][] networks, int[] prefixLengths) {
        this.networks = networks;
        this.prefixLengths = prefixLengths;
    }

    /** Parses {@code a.b.c.d/n}, {@code x::y/n} or a bare address (full length). */
    public static CidrSet of(List<String> cidrs) {
        final byte[][] nets = new byte[cidrs.size()][];
        final int[] lens = new int[cidrs.size()];
        for (int i = 0; i < nets.length; i++) {
            final Object[] parsed = parse(cidrs.get(i));
            nets[i] = (byte[]) parsed[0];
            lens[i] = (Integer) parsed[1];
        }
        return new CidrSet(nets, lens);
    }

    /** Parses one CIDR, returning {network bytes, prefix length}; throws IllegalArgumentException on bad input. */
    static Object[] parse(String cidr) {
        final int slash = cidr.indexOf('/');
        final String addr = slash < 0 ? cidr : cidr.substring(0, slash);
        if (addr.isEmpty() || !addr.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
            throw new IllegalArgumentException("bad CIDR " + cidr);
        }
        final byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad CIDR " + cidr, e);
        }
        final int len;
        try {
            len = slash < 0 ? bytes.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad CIDR prefix " + cidr, e);
        }
        if (len < 0 || len > bytes.length * 8) {
            throw new IllegalArgumentException("bad CIDR prefix " + cidr);
        }
        return new Object[] {bytes, len};
    }

    /** Whether the address lies in one of the blocks. */
    public boolean contains(InetAddress address) {
        final byte[] a = address.getAddress();
        for (int i = 0; i < networks.length; i++) {
            if (networks[i].length == a.length && matches(networks[i], a, prefixLengths[i])) {
                return true;
            }
        }
        return false;
    }

    /** Whether the set is empty. */
    public boolean isEmpty() {
        return networks.length == 0;
    }

    private static boolean matches(byte[] net, byte[] a, int prefixBits) {
        int full = prefixBits >>> 3;
        for (int i = 0; i < full; i++) {
            if (net[i] != a[i]) {
                return false;
            }
        }
        final int rem = prefixBits & 7;
        if (rem == 0) {
            return true;
        }
        final int mask = (0xFF << (8 - rem)) & 0xFF;
        return (net[full] & mask) == (a[full] & mask);
    }
}
