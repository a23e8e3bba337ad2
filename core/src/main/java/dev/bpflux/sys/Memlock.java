package dev.bpflux.sys;

import com.sun.jna.LastErrorException;

/**
 * Before 5.11 BPF maps and programs were charged to RLIMIT_MEMLOCK (64 KiB by default), so
 * anything non-trivial failed with EPERM; from 5.11 they are charged to the memory cgroup.
 */
public final class Memlock {
    private static final int RLIMIT_MEMLOCK = 8;
    private static final long RLIM_INFINITY = -1L;

    private static volatile boolean attempted;

    private Memlock() {
    }

    /**
     * As libbpf does before its first map or program: on kernels before 5.11, raises RLIMIT_MEMLOCK
     * once per process, quietly. Without CAP_SYS_RESOURCE the limit stays, and the EPERM that
     * follows carries the memlock hint ({@link SyscallErrors#permissionHint()}).
     */
    public static void raiseOnceForOldKernels() {
        if (attempted) {
            return;
        }
        attempted = true;
        try {
            raiseForOldKernels();
        } catch (RuntimeException e) {
            // Not privileged to raise it: the kernel's refusal later says why.
        }
    }

    /**
     * On kernels before 5.11, raises RLIMIT_MEMLOCK to unlimited (needs CAP_SYS_RESOURCE).
     * Returns whether it changed anything.
     */
    public static boolean raiseForOldKernels() {
        if (!SyscallErrors.kernelOlderThan("5.11")) {
            return false;
        }
        try {
            SystemCalls.linux().setrlimit(RLIMIT_MEMLOCK, RLIM_INFINITY, RLIM_INFINITY);
            return true;
        } catch (LastErrorException e) {
            throw new dev.bpflux.BpfPermissionException("setrlimit(RLIMIT_MEMLOCK, unlimited)", e.getErrorCode(),
                    Errno.name(e.getErrorCode()), Errno.describe(e.getErrorCode()),
                    "raising the limit needs CAP_SYS_RESOURCE: run as root, or raise it before starting (ulimit -l "
                            + "unlimited, or LimitMEMLOCK=infinity in a systemd unit)");
        }
    }
}
