package io.fulcrum.tls.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs curl with a hard time limit. */
public final class Curl {
    /** Result: exit code, stdout, stderr. */
    public record Result(int exit, String out, String err) {
        /** The {@code %{http_code}} curl wrote as the last line when asked with {@code -w}. */
        public int code() {
            final String[] lines = out.strip().split("\n");
            return Integer.parseInt(lines[lines.length - 1].strip());
        }
    }

    private Curl() {
    }

    /** Runs {@code curl -sS --max-time <s> args...}. */
    public static Result run(int maxSeconds, String... args) throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", Integer.toString(maxSeconds)));
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).start();
        final byte[] out = p.getInputStream().readAllBytes();
        final byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(maxSeconds + 5L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("curl did not finish: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
