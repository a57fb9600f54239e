package io.fulcrum.forwarder.io.afpacket;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The calling thread's allocated bytes ({@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}),
 * reached through a method handle because the tests compile inside the forwarder module, which does not read
 * jdk.management. The handle is exact-typed, so reading the counter allocates nothing itself.
 */
final class ThreadAllocation {
    private static final MethodHandle ALLOCATED_BYTES = bind();

    private ThreadAllocation() {
    }

    static long currentThreadAllocatedBytes() {
        try {
            return (long) ALLOCATED_BYTES.invokeExact();
        } catch (final Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MethodHandle bind() {
        try {
            final Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
            final Class<?> type = Class.forName("com.sun.management.ThreadMXBean");
            return MethodHandles.publicLookup().findVirtual(type, "getCurrentThreadAllocatedBytes",
                MethodType.methodType(long.class)).bindTo(bean);
        } catch (final ReflectiveOperationException e) {
            throw new IllegalStateException("com.sun.management.ThreadMXBean is not available", e);
        }
    }
}
