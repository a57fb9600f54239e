package io.fulcrum.bench.conntrack;

/**
 * The flows every conntrack benchmark uses, identical across FlowTable, Chronicle Map and HashMap: key {@code k}
 * is the FULLNAT flow 10.0.0.0+k : 40000+(k &amp; 0x3FFF) → VIP:80 with reply backend+(k &amp; 63):8080 →
 * local+(k &gt;&gt;&gt; 16) : (k &amp; 0xFFFF). Distinct for every {@code k < 2^32}.
 */
final class FlowKeys {
    static final int TCP = 6;
    static final int VIP = 0xC6120101;
    static final int VPORT = 80;
    static final int BACKEND_PORT = 8080;
    private static final int BACKEND = 0xC6120200;
    private static final int LOCAL = 0xC6120300;

    private FlowKeys() {
    }

    static int clientIp(final int key) {
        return 0x0A000000 + key;
    }

    static int clientPort(final int key) {
        return 40000 + (key & 0x3FFF);
    }

    static int backendIp(final int key) {
        return BACKEND + (key & 63);
    }

    static int localIp(final int key) {
        return LOCAL + (key >>> 16);
    }

    static int localPort(final int key) {
        return key & 0xFFFF;
    }

    /** A stride coprime with {@code n}, so {@code i = (i + stride) % n} visits all of 0..n-1 in scattered order. */
    static int stride(final int n) {
        int stride = (int) (0x9E3779B1L % n);
        while (gcd(stride, n) != 1) {
            stride++;
        }
        return stride;
    }

    private static int gcd(final int a, final int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
