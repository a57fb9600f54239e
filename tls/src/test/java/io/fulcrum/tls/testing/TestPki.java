package io.fulcrum.tls.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made with the openssl CLI in a temporary directory: a root CA and an intermediate, server
 * certificates (ECDSA P-256 or RSA 2048, chain leaf + intermediate) and client certificates. Nothing is committed.
 */
public final class TestPki {
    private final Path dir;

    private TestPki(Path dir) {
        this.dir = dir;
    }

    /** A fresh PKI with a root ("root") and an intermediate ("inter") CA. */
    public static TestPki create() throws IOException, InterruptedException {
        final TestPki pki = new TestPki(Files.createTempDirectory("fulcrum-pki"));
        pki.key("root", true);
        pki.openssl("req", "-x509", "-new", "-key", "root.key", "-subj", "/CN=Fulcrum Test Root", "-days", "2",
                "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-out", "root.pem");
        pki.key("inter", true);
        pki.openssl("req", "-new", "-key", "inter.key", "-subj", "/CN=Fulcrum Test Intermediate", "-out", "inter.csr");
        pki.write("ca.ext", "basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n");
        pki.openssl("x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
                "-days", "2", "-extfile", "ca.ext", "-out", "inter.pem");
        return pki;
    }

    /** The directory. */
    public Path dir() {
        return dir;
    }

    /** A file in the directory. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /**
     * A server certificate {@code name.pem} (leaf + intermediate) with key {@code name.key}, issued by the intermediate.
     *
     * @param ecdsa P-256 when true, RSA 2048 otherwise
     * @param cn    subject CN
     * @param sans  DNS subjectAltNames
     */
    public Path server(String name, boolean ecdsa, String cn, String... sans) throws IOException, InterruptedException {
        key(name, ecdsa);
        openssl("req", "-new", "-key", name + ".key", "-subj", "/CN=" + cn, "-out", name + ".csr");
        final StringBuilder ext = new StringBuilder("basicConstraints=CA:false\nextendedKeyUsage=serverAuth\n");
        if (sans.length > 0) {
            ext.append("subjectAltName=");
            for (int i = 0; i < sans.length; i++) {
                ext.append(i == 0 ? "" : ",").append("DNS:").append(sans[i]);
            }
            ext.append('\n');
        }
        write(name + ".ext", ext.toString());
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "inter.pem", "-CAkey", "inter.key", "-CAcreateserial",
                "-days", "2", "-extfile", name + ".ext", "-out", name + ".leaf.pem");
        Files.writeString(file(name + ".pem"), Files.readString(file(name + ".leaf.pem")) + Files.readString(file("inter.pem")));
        return file(name + ".pem");
    }

    /** A client CA {@code ca} (self-signed) and a client certificate {@code name} issued by it. */
    public void client(String ca, String name, String cn) throws IOException, InterruptedException {
        if (!Files.exists(file(ca + ".pem"))) {
            key(ca, true);
            openssl("req", "-x509", "-new", "-key", ca + ".key", "-subj", "/CN=" + ca, "-days", "2",
                    "-addext", "basicConstraints=critical,CA:true", "-out", ca + ".pem");
        }
        key(name, true);
        openssl("req", "-new", "-key", name + ".key", "-subj", "/CN=" + cn, "-out", name + ".csr");
        write(name + ".ext", "basicConstraints=CA:false\nextendedKeyUsage=clientAuth\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem");
    }

    private void key(String name, boolean ecdsa) throws IOException, InterruptedException {
        if (ecdsa) {
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        } else {
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key");
        }
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(file(name), text);
    }

    /** Runs openssl in the directory; fails on a non-zero exit. */
    public String openssl(String... args) throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        final Result r = run(dir, 30, null, cmd);
        if (r.exit() != 0) {
            throw new IllegalStateException("openssl failed: " + cmd + "\n" + r.out());
        }
        return r.out();
    }

    /** Output and exit code of a command. */
    public record Result(int exit, String out) {
    }

    /** Runs a command (stdout and stderr together, optional stdin text), killing it after {@code maxSeconds}. */
    public static Result run(Path dir, int maxSeconds, String stdin, List<String> cmd) throws IOException,
            InterruptedException {
        final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        final Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        final byte[][] out = new byte[1][];
        final Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = new byte[0];
            }
        });
        if (!p.waitFor(maxSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        reader.join(5000);
        return new Result(p.isAlive() ? -1 : p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
    }
}
