package dev.bpflux.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Facts kernel tests branch on.
 *
 * <p>A kernel test never skips for a missing kernel feature: where the feature is absent (kprobes
 * on the development host) it asserts the clear error bpflux raises instead, and the kernel matrix
 * runs the same test where the feature exists.
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

    /** Whether the running kernel was built with kprobes (CONFIG_KPROBES): not on the dev host. */
    public static boolean kernelHasKprobes() {
        return Files.exists(Path.of("/sys/bus/event_source/devices/kprobe/type"));
    }
}
