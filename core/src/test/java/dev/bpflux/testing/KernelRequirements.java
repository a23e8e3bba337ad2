package dev.bpflux.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Assumptions for tests that need kernel features beyond privilege.
 *
 * <p>{@link #assumeFeature} skips when a feature is genuinely absent on this kernel (for example
 * kprobes compiled out) but, under {@code BPFLUX_REQUIRE_KERNEL=1}, only when the caller says the
 * absence is expected; a feature that should be there and is not fails the test.
 */
public final class KernelRequirements {
    private KernelRequirements() {
    }

    /** True when the environment demands that kernel tests run (CI and the kernel matrix). */
    public static boolean required() {
        return "1".equals(System.getenv("BPFLUX_REQUIRE_KERNEL"));
    }

    /** Null when this process may use bpf(2); otherwise why not. */
    public static String whyUnprivileged() {
        if (!Files.isDirectory(Path.of("/sys/kernel/btf"))) {
            return "this kernel exposes no BTF at /sys/kernel/btf";
        }
        if (!KernelTestCondition.hasCapabilities()) {
            return "this process lacks CAP_SYS_ADMIN or CAP_BPF+CAP_PERFMON";
        }
        return null;
    }

    /**
     * Skips the current test when {@code present} is false and the absence is expected on this
     * kernel ({@code expectedAbsent}); fails it when the feature should be present.
     *
     * @param feature what is missing, for the message
     * @param present whether the kernel has the feature
     * @param expectedAbsent whether this kernel is known to lack it (e.g. CONFIG_KPROBES unset)
     */
    public static void assumeFeature(String feature, boolean present, boolean expectedAbsent) {
        if (present) {
            return;
        }
        if (!expectedAbsent) {
            throw new AssertionError(feature + " should be available on this kernel but is not");
        }
        Assumptions.assumeTrue(false, feature + " is not available on this kernel (expected); "
                + "this path is covered by the kernel matrix");
    }
}
