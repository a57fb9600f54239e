package io.fulcrum.tls.ssl;

import io.netty.buffer.ByteBuf;

/**
 * Reads what a ClientHello says about the certificate types the client accepts, so that a name with an ECDSA and an
 * RSA certificate serves ECDSA to clients that offer it (the TLS library picks the cipher before it asks for the
 * certificate, so the choice is made here, from the raw hello).
 */
final class ClientHellos {
    private static final int EXT_SIGNATURE_ALGORITHMS = 13;
    private static final int EXT_SUPPORTED_VERSIONS = 43;

    private ClientHellos() {
    }

    /**
     * Whether the client can use an ECDSA certificate: with TLS 1.3 offered (version and a suite), an ECDSA signature
     * scheme in signature_algorithms; otherwise an ECDHE-ECDSA cipher suite (and an ECDSA scheme when schemes are
     * listed). A hello that cannot be read counts as yes.
     *
     * @param hello       the ClientHello body (from client_version on), as Netty's SNI handler passes it
     * @param ecdsaSuites the TLS 1.2 (and older) ECDHE-ECDSA suites the listener's policy allows: a client offering only
     *                    other ECDSA suites gets the RSA certificate
     */
    static boolean takesEcdsa(ByteBuf hello, int[] ecdsaSuites) {
        try {
            int i = hello.readerIndex() + 34;
            final int end = hello.writerIndex();
            i += 1 + hello.getUnsignedByte(i);
            final int suitesLength = hello.getUnsignedShort(i);
            boolean ecdsaSuite = false;
            boolean tls13Suite = false;
            for (int s = i + 2; s < i + 2 + suitesLength; s += 2) {
                final int suite = hello.getUnsignedShort(s);
                tls13Suite |= (suite & 0xFF00) == 0x1300;
                for (int allowed : ecdsaSuites) {
                    ecdsaSuite |= suite == allowed;
                }
            }
            i += 2 + suitesLength;
            i += 1 + hello.getUnsignedByte(i);
            if (i + 2 > end) {
                return ecdsaSuite;
            }
            final int extEnd = Math.min(end, i + 2 + hello.getUnsignedShort(i));
            i += 2;
            boolean tls13 = false;
            boolean ecdsaScheme = false;
            boolean schemes = false;
            while (i + 4 <= extEnd) {
                final int type = hello.getUnsignedShort(i);
                final int length = hello.getUnsignedShort(i + 2);
                final int body = i + 4;
                if (type == EXT_SUPPORTED_VERSIONS && length >= 1) {
                    for (int v = body + 1; v + 1 < body + 1 + hello.getUnsignedByte(body) && v + 1 < extEnd; v += 2) {
                        if (hello.getUnsignedShort(v) == 0x0304) {
                            tls13 = true;
                        }
                    }
                } else if (type == EXT_SIGNATURE_ALGORITHMS && length >= 2) {
                    schemes = true;
                    final int listEnd = body + 2 + hello.getUnsignedShort(body);
                    for (int a = body + 2; a + 1 < listEnd && a + 1 < extEnd; a += 2) {
                        final int scheme = hello.getUnsignedShort(a);
                        if (scheme == 0x0403 || scheme == 0x0503 || scheme == 0x0603) {
                            ecdsaScheme = true;
                        }
                    }
                }
                i = body + length;
            }
            // TLS 1.3 is negotiated only when the client offers a TLS 1.3 suite too; then the certificate follows the
            // signature schemes, else the TLS 1.2 suites (and the schemes, when the client lists them)
            return tls13 && tls13Suite ? ecdsaScheme : ecdsaSuite && (!schemes || ecdsaScheme);
        } catch (IndexOutOfBoundsException e) {
            return true;
        }
    }
}
