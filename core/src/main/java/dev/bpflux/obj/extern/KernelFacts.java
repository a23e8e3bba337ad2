package dev.bpflux.obj.extern;

import dev.bpflux.obj.core.TargetBtfs;

import java.util.Set;

/**
 * The facts about the running kernel that extern resolution needs. Every method is called only
 * when an extern needs its answer, and implementations read the kernel lazily and cache, so an
 * object without {@code __kconfig} externs never reads the kernel config and one without untyped
 * {@code __ksym}s never reads kallsyms. {@code dev.bpflux.kernel.RunningKernelFacts} reads the real
 * kernel; tests build their own.
 */
public interface KernelFacts {
    /** vmlinux and module BTF. */
    TargetBtfs btfs();

    /** The kernel configuration (possibly {@link KernelConfig#absent absent}). */
    KernelConfig kernelConfig();

    /** Looks up {@code names} in kallsyms in one pass. */
    KallsymsLookup kallsyms(Set<String> names);

    /**
     * A hint that {@link #kallsyms} will be asked for {@code names}: an implementation may start the
     * scan in the background so that it overlaps the BTF and config work of the same resolution
     * (the kernel formats kallsyms as it is read, the slowest fact to get). Does nothing by default.
     */
    default void prefetchKallsyms(Set<String> names) {
    }

    /** {@code LINUX_KERNEL_VERSION}: {@code KERNEL_VERSION(a, b, c)} of the running kernel. */
    int kernelVersionCode();

    /** {@code LINUX_HAS_BPF_COOKIE}: whether {@code bpf_get_attach_cookie} exists (Linux 5.15). */
    boolean hasBpfCookie();

    /** {@code LINUX_HAS_SYSCALL_WRAPPER}: whether syscalls enter through {@code __<arch>_sys_*} wrappers. */
    boolean hasSyscallWrapper();

    /**
     * Whether kallsyms lists data symbols (CONFIG_KALLSYMS_ALL), which the kernel needs to find typed
     * {@code __ksym} variables; decided from the config when available, else by looking at kallsyms.
     */
    boolean kallsymsHasDataSymbols();
}
