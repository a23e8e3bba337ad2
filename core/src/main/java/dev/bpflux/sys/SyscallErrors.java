package dev.bpflux.sys;

import dev.bpflux.BpfPermissionException;
import dev.bpflux.BpfSyscallException;

/** Turns an errno into the matching exception of the bpflux hierarchy. */
public final class SyscallErrors {
    /** Hint for E2BIG from bpf(2): the kernel saw non-zero bytes past the attr it knows. */
    public static final String KERNEL_TOO_OLD = "kernel too old for this feature";

    private SyscallErrors() {
    }

    /**
     * The exception for {@code operation} failing with {@code errno}: EPERM and EACCES become a
     * {@link BpfPermissionException}, everything else a {@link BpfSyscallException} with {@code hint}
     * (may be null); E2BIG without a hint gets {@link #KERNEL_TOO_OLD}.
     */
    public static BpfSyscallException exception(String operation, int errno, String hint) {
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            return new BpfPermissionException(operation, errno, Errno.name(errno), Errno.describe(errno));
        }
        if (hint == null && errno == Errno.E2BIG) {
            hint = KERNEL_TOO_OLD + " (it rejected attribute fields it does not know)";
        }
        return new BpfSyscallException(operation, errno, Errno.name(errno), Errno.describe(errno), hint);
    }

    /** As {@link #exception(String, int, String)} but never a permission exception (e.g. EACCES from the verifier). */
    public static BpfSyscallException plain(String operation, int errno, String hint) {
        return new BpfSyscallException(operation, errno, Errno.name(errno), Errno.describe(errno), hint);
    }
}
