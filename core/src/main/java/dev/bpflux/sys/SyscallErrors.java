package dev.bpflux.sys;

import dev.bpflux.BpfPermissionException;
import dev.bpflux.BpfSyscallException;

/** Turns an errno into the matching exception of the bpflux hierarchy. */
public final class SyscallErrors {
    /** Hint for EINVAL/E2BIG from a command or feature newer than the running kernel (checked by version). */
    public static final String KERNEL_TOO_OLD = "kernel too old for this feature";

    /**
     * Hint for E2BIG without a better one. bpf(2) answers E2BIG for a size or count over a limit, and for an
     * attribute field the kernel does not know; bpflux sets newer fields only when asked, so the version is
     * checked where a field is set, and this hint blames no version.
     */
    static final String TOO_BIG = "a size or count is larger than the kernel accepts for this operation";

    private static volatile int[] running;

    private SyscallErrors() {
    }

    /**
     * Whether the running kernel's major.minor is below {@code release} ("5.6"). Reads
     * /proc/sys/kernel/osrelease directly: this package cannot use dev.bpflux.kernel, which builds on it.
     */
    static boolean kernelOlderThan(String release) {
        int[] r = running;
        if (r == null) {
            try {
                String[] p = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/osrelease"))
                        .strip().split("[.-]");
                r = new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
            } catch (java.io.IOException | RuntimeException e) {
                r = new int[] {Integer.MAX_VALUE, 0}; // unknown: never blame the version
            }
            running = r;
        }
        String[] w = release.split("\\.");
        int major = Integer.parseInt(w[0]);
        int minor = Integer.parseInt(w[1]);
        return r[0] < major || (r[0] == major && r[1] < minor);
    }

    /**
     * The exception for {@code operation} failing with {@code errno}: EPERM and EACCES become a
     * {@link BpfPermissionException}, everything else a {@link BpfSyscallException} with {@code hint}
     * (may be null); E2BIG without a hint gets {@link #TOO_BIG}.
     */
    public static BpfSyscallException exception(String operation, int errno, String hint) {
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            return new BpfPermissionException(operation, errno, Errno.name(errno), Errno.describe(errno),
                    permissionHint());
        }
        if (hint == null && errno == Errno.E2BIG) {
            hint = TOO_BIG;
        }
        return new BpfSyscallException(operation, errno, Errno.name(errno), Errno.describe(errno), hint);
    }

    /**
     * What to do about an EPERM/EACCES from bpf(2) or perf_event_open(2). Without CAP_BPF (or
     * CAP_SYS_ADMIN) that is to get it. With it, the refusal came from somewhere else: an LSM
     * (SELinux, AppArmor, the BPF LSM), kernel lockdown, seccomp or a sandbox's policy, which differ
     * between machines of one kernel version; granting more capabilities will not help there.
     */
    public static String permissionHint() {
        String memlock = kernelOlderThan("5.11") ? "; on kernels before 5.11 RLIMIT_MEMLOCK may also be too low" : "";
        if (Capabilities.hasBpfPrivileges()) {
            return "this process already has CAP_SYS_ADMIN or CAP_BPF+CAP_PERFMON, so missing privilege is not "
                    + "the cause: a security policy on this machine (an LSM such as SELinux, AppArmor or the BPF LSM, "
                    + "kernel lockdown, seccomp, or a container or sandbox policy) refused it" + memlock;
        }
        return "this needs " + Capabilities.BPF_PRIVILEGES + memlock;
    }

    /** As {@link #exception(String, int, String)} but never a permission exception (e.g. EACCES from the verifier). */
    public static BpfSyscallException plain(String operation, int errno, String hint) {
        return new BpfSyscallException(operation, errno, Errno.name(errno), Errno.describe(errno), hint);
    }
}
