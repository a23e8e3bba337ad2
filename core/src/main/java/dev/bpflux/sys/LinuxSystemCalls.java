package dev.bpflux.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.platform.linux.LibC;
import com.sun.jna.platform.unix.LibCAPI;
import com.sun.jna.platform.unix.LibCUtil;
import com.sun.jna.platform.unix.Resource;
import java.util.Locale;

/**
 * {@link SystemCalls} on Linux. bpf(2) and perf_event_open(2) have no glibc wrapper, so they go
 * through the fixed-arity {@code syscall(2)}; JNA direct mapping keeps that call cheap. close,
 * mmap, munmap and setrlimit come from jna-platform, which already has them.
 */
final class LinuxSystemCalls implements SystemCalls {
    static final LinuxSystemCalls INSTANCE = new LinuxSystemCalls();

    /** Syscall numbers: x86_64 from arch/x86/entry/syscalls/syscall_64.tbl, the rest from asm-generic/unistd.h. */
    static final long SYS_BPF;
    static final long SYS_PERF_EVENT_OPEN;

    static {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        switch (arch) {
            case "amd64", "x86_64" -> {
                SYS_BPF = 321;
                SYS_PERF_EVENT_OPEN = 298;
            }
            // aarch64, riscv64 and loongarch64 share the generic table.
            case "aarch64", "riscv64", "loongarch64" -> {
                SYS_BPF = 280;
                SYS_PERF_EVENT_OPEN = 241;
            }
            default -> {
                SYS_BPF = -1;
                SYS_PERF_EVENT_OPEN = -1;
            }
        }
    }

    private static final int F_DUPFD_CLOEXEC = 1030;
    /** O_CLOEXEC: 02000000 on x86_64, aarch64, riscv64 and loongarch64 (asm-generic/fcntl.h). */
    private static final int O_CLOEXEC = 0x80000;

    /** JNA direct mapping: each native method binds to the C library symbol of the same name. */
    private static final class Libc {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native long syscall(long number, long a1, long a2, long a3, long a4, long a5) throws LastErrorException;

        static native int ioctl(int fd, long request, long arg) throws LastErrorException;

        static native int fcntl(int fd, int cmd, int arg) throws LastErrorException;

        static native int epoll_create1(int flags) throws LastErrorException;

        static native int epoll_ctl(int epfd, int op, int fd, Pointer event) throws LastErrorException;

        static native int epoll_wait(int epfd, Pointer events, int maxEvents, int timeout) throws LastErrorException;

        static native int eventfd(int initval, int flags) throws LastErrorException;

        static native long read(int fd, Pointer buf, long count) throws LastErrorException;

        static native long write(int fd, Pointer buf, long count) throws LastErrorException;

        // Not declared to throw: it may leave errno set on success; failure is a 0 return.
        static native int if_nametoindex(String name);

        static native String strerror(int errnum);

        static native int open(String path, int flags, int mode) throws LastErrorException;

        static native int mount(String source, String target, String fstype, long flags, String data)
                throws LastErrorException;

        static native int statfs(String path, Pointer buf) throws LastErrorException;
    }

    private LinuxSystemCalls() {
    }

    private static void requireArch(long number) {
        if (number < 0) {
            throw new dev.bpflux.BpfNotSupportedException("bpf(2) on " + System.getProperty("os.arch"),
                    "bpflux knows the syscall numbers for x86_64, aarch64, riscv64 and loongarch64 only");
        }
    }

    @Override
    public int bpf(int cmd, Pointer attr, int size) {
        requireArch(SYS_BPF);
        return (int) Libc.syscall(SYS_BPF, cmd, Pointer.nativeValue(attr), size, 0, 0);
    }

    @Override
    public int perfEventOpen(Pointer attr, int pid, int cpu, int groupFd, long flags) {
        requireArch(SYS_PERF_EVENT_OPEN);
        return (int) Libc.syscall(SYS_PERF_EVENT_OPEN, Pointer.nativeValue(attr), pid, cpu, groupFd, flags);
    }

    @Override
    public int ioctl(int fd, long request, long arg) {
        return Libc.ioctl(fd, request, arg);
    }

    @Override
    public void close(int fd) {
        if (LibC.INSTANCE.close(fd) != 0) {
            throw new LastErrorException(Native.getLastError());
        }
    }

    @Override
    public int dupCloexec(int fd) {
        return Libc.fcntl(fd, F_DUPFD_CLOEXEC, 0);
    }

    @Override
    public long mmap(long length, int prot, int flags, int fd, long offset) {
        Pointer p = LibCUtil.mmap(null, length, prot, flags, fd, offset);
        long address = Pointer.nativeValue(p);
        if (address == -1L) { // MAP_FAILED
            throw new LastErrorException(Native.getLastError());
        }
        return address;
    }

    @Override
    public void munmap(long address, long length) {
        if (LibC.INSTANCE.munmap(new Pointer(address), new LibCAPI.size_t(length)) != 0) {
            throw new LastErrorException(Native.getLastError());
        }
    }

    @Override
    public int epollCreate1(int flags) {
        return Libc.epoll_create1(flags);
    }

    @Override
    public int epollCtl(int epfd, int op, int fd, Pointer event) {
        return Libc.epoll_ctl(epfd, op, fd, event);
    }

    @Override
    public int epollWait(int epfd, Pointer events, int maxEvents, int timeoutMillis) {
        return Libc.epoll_wait(epfd, events, maxEvents, timeoutMillis);
    }

    @Override
    public int eventfd(int initialValue, int flags) {
        return Libc.eventfd(initialValue, flags);
    }

    @Override
    public long read(int fd, Pointer buffer, long count) {
        return Libc.read(fd, buffer, count);
    }

    @Override
    public long write(int fd, Pointer buffer, long count) {
        return Libc.write(fd, buffer, count);
    }

    @Override
    public int ifNameToIndex(String name) {
        int index = Libc.if_nametoindex(name);
        if (index == 0) {
            int errno = Native.getLastError();
            throw new LastErrorException(errno == 0 ? Errno.ENODEV : errno);
        }
        return index;
    }

    @Override
    public void setrlimit(int resource, long soft, long hard) {
        Resource.Rlimit limit = new Resource.Rlimit();
        limit.rlim_cur = soft;
        limit.rlim_max = hard;
        if (LibC.INSTANCE.setrlimit(resource, limit) != 0) {
            throw new LastErrorException(Native.getLastError());
        }
    }

    @Override
    public void mount(String source, String target, String fsType, long flags, String data) {
        Libc.mount(source, target, fsType, flags, data);
    }

    @Override
    public int open(String path, int flags) {
        return Libc.open(path, flags | O_CLOEXEC, 0);
    }

    /**
     * {@code struct statfs} is 120 bytes on the 64-bit ABIs bpflux knows (x86_64 and the generic
     * table's aarch64, riscv64, loongarch64); its first field, {@code f_type}, is a long.
     */
    private static final int STATFS_SIZE = 120;

    @Override
    public long statfsType(String path) {
        try (Memory buf = new Memory(STATFS_SIZE)) {
            Libc.statfs(path, buf);
            return buf.getLong(0);
        }
    }

    @Override
    public String strerror(int errno) {
        String text = Libc.strerror(errno);
        return text == null ? "Unknown error " + errno : text;
    }
}
