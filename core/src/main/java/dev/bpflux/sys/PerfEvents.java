package dev.bpflux.sys;

import com.sun.jna.LastErrorException;

/**
 * perf_event_open(2) and the perf event ioctls (linux/perf_event.h; asm-generic ioctl encoding,
 * the same on x86_64 and aarch64).
 */
public final class PerfEvents {
    /** _IO('$', 0), _IO('$', 1). */
    public static final long PERF_EVENT_IOC_ENABLE = 0x2400;
    public static final long PERF_EVENT_IOC_DISABLE = 0x2401;
    /** _IOW('$', 8, __u32): attach a BPF program to a tracepoint/kprobe/uprobe event (4.1). */
    public static final long PERF_EVENT_IOC_SET_BPF = 0x40042408L;
    /** Always passed: the fd must not leak into exec'd children. */
    public static final long PERF_FLAG_FD_CLOEXEC = 1L << 3;

    private PerfEvents() {
    }

    /**
     * Opens a perf event ({@code pid} -1 for all processes on {@code cpu}, {@code cpu} -1 for
     * one process on any CPU). {@code what} names it in messages and the handle.
     */
    public static OwnedFd open(PerfEventAttr attr, int pid, int cpu, int groupFd, long flags, String what) {
        return open(SystemCalls.linux(), attr, pid, cpu, groupFd, flags, what);
    }

    public static OwnedFd open(SystemCalls sys, PerfEventAttr attr, int pid, int cpu, int groupFd, long flags,
            String what) {
        try {
            int fd = (int) Eintr.retry(() -> sys.perfEventOpen(attr.pointer(), pid, cpu, groupFd,
                    flags | PERF_FLAG_FD_CLOEXEC));
            return OwnedFd.adopt(fd, what, sys);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            String hint = switch (errno) {
                case Errno.ENOENT -> "no such event or PMU";
                case Errno.EINVAL -> "the event attributes are invalid for this PMU or kernel";
                case Errno.EMFILE -> "too many open files; raise RLIMIT_NOFILE";
                case Errno.EPERM, Errno.EACCES -> "needs CAP_PERFMON (or CAP_SYS_ADMIN), or a lower "
                        + "/proc/sys/kernel/perf_event_paranoid";
                default -> null;
            };
            throw SyscallErrors.exception("perf_event_open of " + what, errno, hint);
        }
    }

    /** PERF_EVENT_IOC_ENABLE. */
    public static void enable(OwnedFd event) {
        ioctl(event, PERF_EVENT_IOC_ENABLE, 0, "PERF_EVENT_IOC_ENABLE");
    }

    /** PERF_EVENT_IOC_DISABLE. */
    public static void disable(OwnedFd event) {
        ioctl(event, PERF_EVENT_IOC_DISABLE, 0, "PERF_EVENT_IOC_DISABLE");
    }

    /** PERF_EVENT_IOC_SET_BPF: runs program {@code progFd} on every hit of the event. */
    public static void setBpf(OwnedFd event, OwnedFd program) {
        ioctl(event, PERF_EVENT_IOC_SET_BPF, program.fd(), "PERF_EVENT_IOC_SET_BPF of " + program.what());
    }

    private static void ioctl(OwnedFd event, long request, long arg, String op) {
        try {
            Eintr.retry(() -> event.calls().ioctl(event.fd(), request, arg)); // through the door the event came from
        } catch (LastErrorException e) {
            throw SyscallErrors.exception(op + " on " + event.what(), e.getErrorCode(),
                    e.getErrorCode() == Errno.EEXIST ? "a program is already attached to this event" : null);
        }
    }
}
