package dev.bpflux;

/**
 * A system call failed. The message reads {@code "BPF_MAP_CREATE failed with EPERM (1): Operation
 * not permitted"} followed by a hint when one applies.
 */
public class BpfSyscallException extends BpfException {
    private final String operation;
    private final int errno;

    public BpfSyscallException(String operation, int errno, String errnoName, String strerror, String hint) {
        super(operation + " failed with " + errnoName + " (" + errno + "): " + strerror
                + (hint == null || hint.isEmpty() ? "" : "; " + hint));
        this.operation = operation;
        this.errno = errno;
    }

    protected BpfSyscallException(String operation, int errno, String message) {
        super(message);
        this.operation = operation;
        this.errno = errno;
    }

    /** The failed operation, e.g. {@code BPF_PROG_LOAD} or {@code perf_event_open}. */
    public String operation() {
        return operation;
    }

    /** The errno the kernel returned. */
    public int errno() {
        return errno;
    }
}
