package dev.bpflux;

/**
 * The kernel refused with EPERM/EACCES outside the verifier: for lack of privilege, or, when the
 * process has it, because a policy forbids the operation. The hint says which.
 */
public class BpfPermissionException extends BpfSyscallException {
    public BpfPermissionException(String operation, int errno, String errnoName, String strerror, String hint) {
        super(operation, errno, errnoName, strerror, hint);
    }
}
