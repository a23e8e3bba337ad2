package dev.bpflux.obj.extern;

import java.util.Locale;
import java.util.Optional;

/**
 * The kernel function a {@code ksyscall/NAME} or {@code kretsyscall/NAME} program attaches its kprobe
 * to, as libbpf's {@code bpf_program__attach_ksyscall} chooses it: {@code __<arch>_sys_NAME} when the
 * kernel enters syscalls through per-architecture wrappers (CONFIG_ARCH_HAS_SYSCALL_WRAPPER, x86-64
 * since 4.17, arm64 since 4.19, s390 since 5.0, riscv since 6.6), else {@code sys_NAME}.
 */
public final class KsyscallTarget {
    private KsyscallTarget() {
    }

    /**
     * The kprobe target for syscall {@code syscall} (e.g. {@code "write"}, the part after
     * {@code ksyscall/}).
     *
     * @param wrapped    whether the kernel uses syscall wrappers ({@code LINUX_HAS_SYSCALL_WRAPPER})
     * @param archPrefix the wrapper prefix without underscores, e.g. {@code "x64"}; ignored when not wrapped
     */
    public static String kprobeFunction(String syscall, boolean wrapped, String archPrefix) {
        if (syscall == null || syscall.isEmpty()) {
            throw new IllegalArgumentException("ksyscall needs a syscall name, e.g. ksyscall/write");
        }
        return wrapped && archPrefix != null ? "__" + archPrefix + "_sys_" + syscall : "sys_" + syscall;
    }

    /**
     * The syscall wrapper prefix for a JVM {@code os.arch} value (without the surrounding underscores),
     * as the kernel names its wrappers: {@code __x64_sys_write} on x86-64, {@code __arm64_sys_write} on
     * arm64, {@code __s390x_sys_write}, {@code __riscv_sys_write}, {@code __powerpc_sys_write} (64-bit
     * powerpc, Linux 6.1), {@code __ia32_sys_write} on 32-bit x86. Empty for architectures without one.
     */
    public static Optional<String> archPrefix(String osArch) {
        switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64":
            case "x86_64":
                return Optional.of("x64");
            case "x86":
            case "i386":
            case "i686":
                return Optional.of("ia32");
            case "aarch64":
            case "arm64":
                return Optional.of("arm64");
            case "arm":
                return Optional.of("arm");
            case "s390x":
                return Optional.of("s390x");
            case "riscv64":
            case "riscv":
                return Optional.of("riscv");
            case "ppc64":
            case "ppc64le":
                return Optional.of("powerpc");
            case "mips":
            case "mips64":
            case "mips64el":
                return Optional.of("mips");
            default:
                return Optional.empty();
        }
    }
}
