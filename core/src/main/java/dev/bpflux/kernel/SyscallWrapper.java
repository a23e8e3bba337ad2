package dev.bpflux.kernel;

import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.core.TargetBtfs;
import dev.bpflux.obj.extern.KernelConfig;
import dev.bpflux.obj.extern.KsyscallTarget;

import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Whether the running kernel enters system calls through per-architecture wrappers
 * ({@code __x64_sys_write(const struct pt_regs *)} calling {@code __se_sys_write}/{@code __do_sys_write};
 * CONFIG_ARCH_HAS_SYSCALL_WRAPPER: x86-64 since 4.17, arm64 since 4.19, s390 5.0, riscv 6.6, powerpc 6.1),
 * the fact behind the virtual {@code __kconfig} extern {@code LINUX_HAS_SYSCALL_WRAPPER} and the kprobe
 * target of {@code ksyscall/NAME} programs.
 *
 * <p>Decided from what the kernel has, not from whether a kprobe can be attached (libbpf 1.1 probes by
 * creating a kprobe on {@code __<arch>_sys_bpf}, so on a kernel without CONFIG_KPROBES it answers 0 even
 * though the kernel wraps its syscalls). Evidence, in order of cost:
 * <ol>
 * <li>vmlinux BTF has a FUNC {@code __<arch>_sys_write} (the wrapper is a real function);</li>
 * <li>the kernel config has CONFIG_ARCH_HAS_SYSCALL_WRAPPER=y (only when a config was already read);</li>
 * <li>kallsyms lists the text symbol {@code __<arch>_sys_write}.</li>
 * </ol>
 * The architecture prefix comes from {@code os.arch} ({@link KsyscallTarget#archPrefix}).
 */
public final class SyscallWrapper {
    private static volatile SyscallWrapper system;

    private final String archPrefix;
    private final boolean wrapped;
    private final String evidence;

    private SyscallWrapper(String archPrefix, boolean wrapped, String evidence) {
        this.archPrefix = archPrefix;
        this.wrapped = wrapped;
        this.evidence = evidence;
    }

    /** The running kernel's answer, decided once. */
    public static SyscallWrapper system() {
        SyscallWrapper s = system;
        if (s == null) {
            s = detect(System.getProperty("os.arch"), KernelBtfs.system(), null, KallsymsReader.system());
            system = s;
        }
        return s;
    }

    /**
     * Decides from the facts given: {@code btfs} (may be null), {@code config} (may be null: not read),
     * {@code kallsyms} (may be null).
     */
    public static SyscallWrapper detect(String osArch, TargetBtfs btfs, Supplier<KernelConfig> config,
                                        KallsymsReader kallsyms) {
        Optional<String> prefix = KsyscallTarget.archPrefix(osArch);
        if (prefix.isEmpty()) {
            return new SyscallWrapper(null, false, "architecture " + osArch + " has no syscall wrappers");
        }
        String fn = "__" + prefix.get() + "_sys_write";
        if (btfs != null) {
            try {
                if (btfs.vmlinux().btf().findByName(fn, BtfKind.FUNC).length > 0) {
                    return new SyscallWrapper(prefix.get(), true, "vmlinux BTF has FUNC " + fn);
                }
            } catch (RuntimeException e) {
                // no kernel BTF: try the other evidence
            }
        }
        if (config != null) {
            KernelConfig c = config.get();
            if (c.available()) {
                boolean y = c.value("CONFIG_ARCH_HAS_SYSCALL_WRAPPER").map("y"::equals).orElse(false);
                return new SyscallWrapper(prefix.get(), y, c.source() + (y ? " has" : " lacks")
                        + " CONFIG_ARCH_HAS_SYSCALL_WRAPPER=y");
            }
        }
        if (kallsyms != null) {
            try {
                boolean listed = kallsyms.lookup(Set.of(fn)).addresses().containsKey(fn);
                return new SyscallWrapper(prefix.get(), listed, "kallsyms " + (listed ? "lists " : "does not list ") + fn);
            } catch (RuntimeException e) {
                // unreadable
            }
        }
        return new SyscallWrapper(prefix.get(), false, "no evidence of " + fn + " (no kernel BTF, config or kallsyms)");
    }

    /** Whether syscalls are wrapped ({@code LINUX_HAS_SYSCALL_WRAPPER}). */
    public boolean wrapped() {
        return wrapped;
    }

    /** The architecture prefix without underscores, e.g. {@code "x64"}; null when the arch has none. */
    public String archPrefix() {
        return archPrefix;
    }

    /** What the answer rests on, e.g. {@code "vmlinux BTF has FUNC __x64_sys_write"}. */
    public String evidence() {
        return evidence;
    }

    /** The kprobe target of {@code ksyscall/<syscall>}: {@code __x64_sys_write} or {@code sys_write}. */
    public String kprobeTarget(String syscall) {
        return KsyscallTarget.kprobeFunction(syscall, wrapped, archPrefix);
    }

    @Override
    public String toString() {
        return "SyscallWrapper[" + (wrapped ? "__" + archPrefix + "_sys_*" : "sys_*") + ": " + evidence + "]";
    }
}
