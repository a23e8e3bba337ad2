package dev.bpflux;

/** The kernel refused for lack of privilege (EPERM/EACCES outside the verifier). */
public class BpfPermissionException extends BpfSyscallException {
    public BpfPermissionException(String operation, int errno, String errnoName, String strerror) {
        super(operation, errno, errnoName, strerror,
                "run as root, or grant CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN on kernels before 5.8); "
                        + "on kernels before 5.11 RLIMIT_MEMLOCK may also be too low");
    }
}
