package io.fulcrum.forwarder.io.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Enters a throwaway namespace (needs root) and checks the thread sees its interfaces, then returns. */
class NetNamespaceTest {
    private static void run(final String... command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes())).isZero();
    }

    @Test
    void threadSeesTheNamespacesInterfacesUntilTheScopeCloses() throws IOException, InterruptedException {
        final String name = "fap" + ProcessHandle.current().pid() + "ns" + ThreadLocalRandom.current().nextInt(1 << 20);
        final Path rootNamespace = Path.of("/proc/thread-self/ns/net");
        final Path before = Files.readSymbolicLink(rootNamespace);
        run("ip", "netns", "add", name);
        try {
            run("ip", "-n", name, "link", "add", "nsprobe0", "type", "veth", "peer", "name", "nsprobe1");
            assertThat(Syscalls.ifNameToIndex("nsprobe0")).isZero();
            try (NetNamespace.Scope scope = NetNamespace.enter(name)) {
                assertThat(Syscalls.ifNameToIndex("nsprobe0")).isPositive();
                assertThat(Files.readSymbolicLink(rootNamespace)).isNotEqualTo(before);
                scope.close();
                assertThat(Syscalls.ifNameToIndex("nsprobe0")).isZero();
            }
            assertThat(Files.readSymbolicLink(rootNamespace)).isEqualTo(before);
        } finally {
            run("ip", "netns", "del", name);
        }
    }

    @Test
    void unknownNamespaceFailsClearly() {
        assertThatThrownBy(() -> NetNamespace.enter("fap-no-such-namespace"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("/var/run/netns/fap-no-such-namespace")
            .hasMessageContaining("No such file or directory");
        assertThatThrownBy(() -> NetNamespace.enter("../x")).isInstanceOf(IllegalArgumentException.class);
    }
}
