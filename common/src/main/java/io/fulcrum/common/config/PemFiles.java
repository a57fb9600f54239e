package io.fulcrum.common.config;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Reads and checks PEM certificate chains and private keys for TLS listeners: X.509 chains (leaf first, each
 * certificate issued by the next), unencrypted PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) and
 * SEC1 ({@code EC PRIVATE KEY}) keys, RSA or ECDSA. Every refusal names the file, the line of the PEM block and the
 * reason ({@link PemException}); the configuration loader reports it at the listener's field.
 */
public final class PemFiles {
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
        0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    /** A refused PEM file: the message is {@code file:line: reason}. */
    public static final class PemException extends Exception {
        private static final long serialVersionUID = 1L;

        PemException(final Path file, final int line, final String reason) {
            super(file + (line > 0 ? ":" + line : "") + ": " + reason);
        }
    }

    /** A certificate chain with its key. */
    public record KeyPairChain(List<X509Certificate> chain, PrivateKey key) {
        /** Copies the chain. */
        public KeyPairChain {
            chain = List.copyOf(chain);
        }

        /** The leaf certificate. */
        public X509Certificate leaf() {
            return chain.getFirst();
        }

        /** {@code RSA} or {@code EC}. */
        public String keyType() {
            return key.getAlgorithm();
        }
    }

    private record Block(String type, int line, byte[] der, boolean encryptedHeader) {
    }

    private PemFiles() {
    }

    /** Reads a chain and its key and checks that they belong together and that the chain is in order. */
    public static KeyPairChain load(final Path certFile, final Path keyFile) throws PemException {
        final List<X509Certificate> chain = readCertificates(certFile);
        final PrivateKey key = readPrivateKey(keyFile);
        if (!matches(key, chain.getFirst().getPublicKey())) {
            throw new PemException(keyFile, 0, "the " + key.getAlgorithm() + " key does not match the certificate in "
                + certFile + " (" + chain.getFirst().getSubjectX500Principal().getName() + ")");
        }
        return new KeyPairChain(chain, key);
    }

    /** A warning when the leaf of {@code pair} is expired or not valid yet at {@code now}. */
    public static Optional<String> validityWarning(final Path certFile, final KeyPairChain pair, final Instant now) {
        final X509Certificate leaf = pair.leaf();
        if (leaf.getNotAfter().toInstant().isBefore(now)) {
            return Optional.of(certFile + ": certificate " + leaf.getSubjectX500Principal().getName() + " expired on "
                + leaf.getNotAfter().toInstant() + "; clients will refuse it");
        }
        if (leaf.getNotBefore().toInstant().isAfter(now)) {
            return Optional.of(certFile + ": certificate " + leaf.getSubjectX500Principal().getName() + " is not valid before "
                + leaf.getNotBefore().toInstant());
        }
        return Optional.empty();
    }

    /** Reads a CA bundle: one or more certificates in any order. */
    public static List<X509Certificate> readCaBundle(final Path file) throws PemException {
        return read(file, false);
    }

    /** Reads a PEM chain, leaf first; refuses an empty file, non-certificate blocks and a chain out of order. */
    public static List<X509Certificate> readCertificates(final Path file) throws PemException {
        return read(file, true);
    }

    private static List<X509Certificate> read(final Path file, final boolean chainOrder) throws PemException {
        final List<Block> blocks = blocks(file);
        if (blocks.isEmpty()) {
            throw new PemException(file, 0, "has no PEM block (expected -----BEGIN CERTIFICATE-----)");
        }
        final List<X509Certificate> chain = new ArrayList<>();
        final CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (final CertificateException e) {
            throw new IllegalStateException("X.509 is part of every JDK", e);
        }
        for (final Block b : blocks) {
            if (!"CERTIFICATE".equals(b.type())) {
                throw new PemException(file, b.line(), "has a " + b.type() + " block where a CERTIFICATE was expected"
                    + (b.type().contains("PRIVATE KEY") ? " (the key belongs in the key file)" : ""));
            }
            try {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
            } catch (final CertificateException e) {
                throw new PemException(file, b.line(), "is not a valid X.509 certificate: " + e.getMessage());
            }
        }
        for (int i = 0; chainOrder && i + 1 < chain.size(); i++) {
            final X509Certificate child = chain.get(i);
            final X509Certificate issuer = chain.get(i + 1);
            if (!child.getIssuerX500Principal().equals(issuer.getSubjectX500Principal()) || !verifies(child, issuer)) {
                throw new PemException(file, blocks.get(i + 1).line(), "certificate " + (i + 2) + " ("
                    + issuer.getSubjectX500Principal().getName() + ") did not issue certificate " + (i + 1) + " ("
                    + child.getSubjectX500Principal().getName() + "); the chain must go leaf, intermediate(s), root");
            }
        }
        return chain;
    }

    /** Reads one unencrypted RSA or EC private key (PKCS#8, PKCS#1 or SEC1). */
    public static PrivateKey readPrivateKey(final Path file) throws PemException {
        final List<Block> blocks = blocks(file);
        Block key = null;
        for (final Block b : blocks) {
            if (b.type().equals("EC PARAMETERS")) {
                continue;
            }
            if (b.type().equals("ENCRYPTED PRIVATE KEY") || b.encryptedHeader()) {
                throw new PemException(file, b.line(), "the private key is encrypted; Fulcrum needs an unencrypted key "
                    + "(decrypt it with: openssl pkey -in " + file.getFileName() + " -out key.pem)");
            }
            if (!b.type().endsWith("PRIVATE KEY")) {
                throw new PemException(file, b.line(), "has a " + b.type() + " block where a private key was expected");
            }
            if (key != null) {
                throw new PemException(file, b.line(), "has more than one private key");
            }
            key = b;
        }
        if (key == null) {
            throw new PemException(file, 0, "has no private key (expected -----BEGIN PRIVATE KEY-----)");
        }
        try {
            return switch (key.type()) {
                case "PRIVATE KEY" -> pkcs8(key.der());
                case "RSA PRIVATE KEY" -> KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                    sequence(concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tlv(0x04, key.der())))));
                case "EC PRIVATE KEY" -> KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                    sequence(concat(new byte[] {0x02, 0x01, 0x00}, sequence(concat(EC_PUBLIC_KEY_OID, curveOf(key.der()))),
                        tlv(0x04, key.der())))));
                default -> throw new PemException(file, key.line(), "has an unsupported key type " + key.type()
                    + " (RSA or EC keys only)");
            };
        } catch (final GeneralSecurityException | IllegalArgumentException e) {
            throw new PemException(file, key.line(), "is not a valid " + key.type() + ": " + e.getMessage());
        }
    }

    private static PrivateKey pkcs8(final byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (final String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                final PrivateKey key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                if (!(key instanceof RSAPrivateCrtKey) && !(key instanceof ECPrivateKey)) {
                    throw new GeneralSecurityException(key.getAlgorithm() + " keys are not supported (RSA or EC keys only)");
                }
                return key;
            } catch (final GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    /** The named-curve OID ({@code [0]} parameters) of a SEC1 ECPrivateKey. */
    private static byte[] curveOf(final byte[] sec1) {
        // SEQUENCE { INTEGER 1, OCTET STRING key, [0] { OID curve }, [1] BIT STRING public }
        int i = headerLength(sec1, 0);
        while (i < sec1.length) {
            final int tag = sec1[i] & 0xff;
            final int header = headerLength(sec1, i);
            final int length = contentLength(sec1, i);
            if (tag == 0xa0) {
                final byte[] oid = new byte[length];
                System.arraycopy(sec1, i + header, oid, 0, length);
                return oid;
            }
            i += header + length;
        }
        throw new IllegalArgumentException("the EC key names no curve");
    }

    private static int headerLength(final byte[] der, final int at) {
        final int first = der[at + 1] & 0xff;
        return first < 0x80 ? 2 : 2 + (first & 0x7f);
    }

    private static int contentLength(final byte[] der, final int at) {
        final int first = der[at + 1] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int length = 0;
        for (int k = 0; k < (first & 0x7f); k++) {
            length = (length << 8) | (der[at + 2 + k] & 0xff);
        }
        return length;
    }

    private static byte[] sequence(final byte[] content) {
        return tlv(0x30, content);
    }

    private static byte[] tlv(final int tag, final byte[] content) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        final int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(final byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static boolean verifies(final X509Certificate child, final X509Certificate issuer) {
        try {
            child.verify(issuer.getPublicKey());
            return true;
        } catch (final GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean matches(final PrivateKey key, final PublicKey certificateKey) {
        if (!key.getAlgorithm().equals(certificateKey.getAlgorithm())) {
            return false;
        }
        try {
            final String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            final byte[] probe = "fulcrum key check".getBytes(StandardCharsets.US_ASCII);
            final Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            final byte[] signature = sign.sign();
            final Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(certificateKey);
            verify.update(probe);
            return verify.verify(signature);
        } catch (final GeneralSecurityException e) {
            return false;
        }
    }

    private static List<Block> blocks(final Path file) throws PemException {
        final List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (final java.nio.file.NoSuchFileException e) {
            throw new PemException(file, 0, "no such file");
        } catch (final IOException e) {
            throw new PemException(file, 0, "cannot read the file: " + e.getMessage());
        }
        final List<Block> blocks = new ArrayList<>();
        String type = null;
        int start = 0;
        boolean encrypted = false;
        StringBuilder body = null;
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i).strip();
            if (type == null) {
                if (line.startsWith("-----BEGIN ") && line.endsWith("-----")) {
                    type = line.substring(11, line.length() - 5);
                    start = i + 1;
                    encrypted = false;
                    body = new StringBuilder();
                }
                continue;
            }
            if (line.equals("-----END " + type + "-----")) {
                final byte[] der;
                try {
                    der = Base64.getMimeDecoder().decode(body.toString());
                } catch (final IllegalArgumentException e) {
                    throw new PemException(file, start, "the " + type + " block is not valid base64");
                }
                blocks.add(new Block(type, start, der, encrypted));
                type = null;
            } else if (line.startsWith("Proc-Type:") && line.contains("ENCRYPTED")) {
                encrypted = true;
            } else if (!line.contains(":")) {
                body.append(line);
            }
        }
        if (type != null) {
            throw new PemException(file, start, "the " + type + " block has no END line");
        }
        return blocks;
    }
}
