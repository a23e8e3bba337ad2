package dev.bpflux.sys;

import com.sun.jna.LastErrorException;

/**
 * The one door to bpf(2): runs a {@link BpfAttr} and turns a failure into an exception of the
 * bpflux hierarchy named after the command, e.g. {@code "BPF_MAP_CREATE failed with EINVAL (22):
 * Invalid argument; <hint>"}.
 *
 * <p>{@link #system()} is the real kernel; {@link #of(SystemCalls)} another door (a fake, or a
 * fault-injecting wrapper given to {@code LoadOptions.withSystemCalls}). A handle keeps the door it
 * was created through ({@link #of(OwnedFd)}) for its later operations.
 */
public final class Bpf {
    private static final Bpf SYSTEM = new Bpf(SystemCalls.linux());

    private final SystemCalls sys;

    public Bpf(SystemCalls sys) {
        this.sys = sys;
    }

    /** The real kernel. */
    public static Bpf system() {
        return SYSTEM;
    }

    /** bpf(2) through {@code sys}; the shared {@link #system()} instance for the real kernel. */
    public static Bpf of(SystemCalls sys) {
        return sys == SYSTEM.sys ? SYSTEM : new Bpf(sys);
    }

    /** bpf(2) through the door {@code fd} came from, for operations on the object it names. */
    public static Bpf of(OwnedFd fd) {
        return of(fd.calls());
    }

    /** The system calls underneath. */
    public SystemCalls calls() {
        return sys;
    }

    /** Runs the command; returns its result (an fd for the creating commands, else 0). */
    public int call(BpfAttr attr) {
        return call(attr, null);
    }

    /** As {@link #call(BpfAttr)}, with a hint appended to the error message on failure. */
    public int call(BpfAttr attr, String hint) {
        int r = tryCall(attr);
        if (r < 0) {
            int errno = -r;
            if (hint == null && (errno == Errno.EINVAL || errno == Errno.E2BIG)
                    && SyscallErrors.kernelOlderThan(attr.command().since())) {
                hint = SyscallErrors.KERNEL_TOO_OLD + ": " + attr.command().name() + " needs Linux "
                        + attr.command().since();
            }
            throw SyscallErrors.exception(attr.command().name(), errno, hint);
        }
        return r;
    }

    /**
     * Runs the command and returns its result, or {@code -errno} on failure without building an
     * exception: for expected failures such as ENOENT from a lookup or the end of a key walk.
     */
    public int tryCall(BpfAttr attr) {
        while (true) {
            try {
                return sys.bpf(attr.command().number(), attr.pointer(), attr.size());
            } catch (LastErrorException e) {
                int errno = e.getErrorCode();
                if (errno != Errno.EINTR) {
                    return -errno;
                }
            }
        }
    }

    /** Runs a command that returns a new descriptor, and adopts it as {@code what}. */
    public OwnedFd callForFd(BpfAttr attr, String what) {
        return callForFd(attr, what, null);
    }

    /** As {@link #callForFd(BpfAttr, String)}, with a hint for the error message. */
    public OwnedFd callForFd(BpfAttr attr, String what, String hint) {
        return OwnedFd.adopt(call(attr, hint), what, sys);
    }
}
