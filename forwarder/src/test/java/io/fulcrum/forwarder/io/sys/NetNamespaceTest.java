package io.fulcrum.forwarder.io.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class NetNamespaceTest {
    @Test
    void entersANamedNamespaceAndComesBack() throws Exception {
        final String name = "fxn" + ProcessHandle.current().pid() % 100000 + ThreadLocalRandom.current().nextInt(1000, 10000);
        run("ip", "netns", "add", name);
        try {
            final String home = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
            try (NetNamespace ns = NetNamespace.enter(name)) {
                assertThat(ns.path()).endsWith("/" + name);
                assertThat(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString()).isNotEqualTo(home);
                // a fresh namespace has only a loopback interface
                assertThat(Syscalls.ifNameToIndex("lo")).isEqualTo(1);
            }
            assertThat(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString()).isEqualTo(home);
            assertThat(NetNamespace.call(name, () -> Syscalls.ifNameToIndex("lo"))).isEqualTo(1);
        } finally {
            run("ip", "netns", "del", name);
        }
        assertThatThrownBy(() -> NetNamespace.enter(name)).hasMessageContaining("No such file");
        assertThatThrownBy(() -> NetNamespace.enter("../etc")).hasMessageContaining("not a namespace name");
    }

    private static void run(final String... command) throws Exception {
        final Process process = new ProcessBuilder(command).inheritIO().start();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
    }
}
