package dev.bpflux.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that needs the real kernel (root, or CAP_BPF + CAP_PERFMON).
 *
 * <p>Without privileges it is skipped with the reason; with {@code BPFLUX_REQUIRE_KERNEL=1} in
 * the environment (CI, the kernel matrix) a missing privilege fails the test instead, so a
 * skip never hides a bug. Tagged {@code kernel} so the kernel matrix can select these tests.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("kernel")
@ExtendWith(KernelTestCondition.class)
public @interface KernelTest {
}
