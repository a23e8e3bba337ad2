package dev.bpflux.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;

/**
 * The raw system calls bpflux makes, one method per call, failing with JNA's
 * {@link LastErrorException} carrying the errno.
 *
 * <p>This is the test seam: a unit test implements it to fake the kernel; everything else uses
 * {@link #linux()}. Callers above this package go through {@link Bpf} and the handle classes,
 * which turn errnos into {@link dev.bpflux.BpfSyscallException}s.
 */
public interface SystemCalls {

    /** The real kernel, through JNA direct mapping. */
    static SystemCalls linux() {
        return LinuxSystemCalls.INSTANCE;
    }

    /** bpf(2): {@code cmd}, a {@code union bpf_attr} of {@code size} bytes. Returns an fd or 0. */
    int bpf(int cmd, Pointer attr, int size) throws LastErrorException;

    /** perf_event_open(2) with a {@code struct perf_event_attr}. Returns the event fd. */
    int perfEventOpen(Pointer attr, int pid, int cpu, int groupFd, long flags) throws LastErrorException;

    /** ioctl(2) with an integer (or address) argument. */
    int ioctl(int fd, long request, long arg) throws LastErrorException;

    /** close(2). */
    void close(int fd) throws LastErrorException;

    /** fcntl(fd, F_DUPFD_CLOEXEC, 0): a new descriptor for the same open file. */
    int dupCloexec(int fd) throws LastErrorException;

    /** mmap(2) of a file descriptor; returns the mapping's address. */
    long mmap(long length, int prot, int flags, int fd, long offset) throws LastErrorException;

    /** munmap(2). */
    void munmap(long address, long length) throws LastErrorException;

    /** epoll_create1(2). */
    int epollCreate1(int flags) throws LastErrorException;

    /** epoll_ctl(2); {@code event} points at a 12-byte packed {@code struct epoll_event} (x86_64) or 16 bytes elsewhere. */
    int epollCtl(int epfd, int op, int fd, Pointer event) throws LastErrorException;

    /** epoll_wait(2). Returns the number of ready events. */
    int epollWait(int epfd, Pointer events, int maxEvents, int timeoutMillis) throws LastErrorException;

    /** eventfd(2). */
    int eventfd(int initialValue, int flags) throws LastErrorException;

    /** read(2). */
    long read(int fd, Pointer buffer, long count) throws LastErrorException;

    /** write(2). */
    long write(int fd, Pointer buffer, long count) throws LastErrorException;

    /** if_nametoindex(3); fails with ENODEV when there is no such interface. */
    int ifNameToIndex(String name) throws LastErrorException;

    /** setrlimit(2) for one resource, soft and hard limits. */
    void setrlimit(int resource, long soft, long hard) throws LastErrorException;

    /**
     * mount(2), e.g. tracefs when it is not mounted. A default so fakes written before it was
     * added keep compiling; it fails with ENOSYS unless overridden.
     */
    default void mount(String source, String target, String fsType, long flags, String data)
            throws LastErrorException {
        throw new LastErrorException(Errno.ENOSYS);
    }

    /**
     * open(2) with O_CLOEXEC added, for descriptors Java cannot give us (a cgroup directory, a
     * network namespace). A default for the same reason as {@link #mount}.
     */
    default int open(String path, int flags) throws LastErrorException {
        throw new LastErrorException(Errno.ENOSYS);
    }

    /**
     * statfs(2)'s {@code f_type} for the file system holding {@code path}, e.g.
     * {@link BpfFilesystem#MAGIC} for bpffs. A default for the same reason as {@link #mount}.
     */
    default long statfsType(String path) throws LastErrorException {
        throw new LastErrorException(Errno.ENOSYS);
    }

    /** The C library's text for an errno. */
    String strerror(int errno);
}
