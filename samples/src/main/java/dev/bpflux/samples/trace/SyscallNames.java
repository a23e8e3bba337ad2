package dev.bpflux.samples.trace;

import java.util.Map;

/** Names of common x86_64 syscalls (arch/x86/entry/syscalls/syscall_64.tbl); others print as syscall_N. */
final class SyscallNames {
    private static final Map<Integer, String> X86_64 = Map.ofEntries(
            Map.entry(0, "read"), Map.entry(1, "write"), Map.entry(2, "open"), Map.entry(3, "close"),
            Map.entry(4, "stat"), Map.entry(5, "fstat"), Map.entry(6, "lstat"), Map.entry(7, "poll"),
            Map.entry(8, "lseek"), Map.entry(9, "mmap"), Map.entry(10, "mprotect"), Map.entry(11, "munmap"),
            Map.entry(12, "brk"), Map.entry(13, "rt_sigaction"), Map.entry(14, "rt_sigprocmask"),
            Map.entry(16, "ioctl"), Map.entry(17, "pread64"), Map.entry(18, "pwrite64"), Map.entry(19, "readv"),
            Map.entry(20, "writev"), Map.entry(21, "access"), Map.entry(22, "pipe"), Map.entry(23, "select"),
            Map.entry(24, "sched_yield"), Map.entry(28, "madvise"), Map.entry(32, "dup"), Map.entry(33, "dup2"),
            Map.entry(35, "nanosleep"), Map.entry(39, "getpid"), Map.entry(41, "socket"), Map.entry(42, "connect"),
            Map.entry(43, "accept"), Map.entry(44, "sendto"), Map.entry(45, "recvfrom"), Map.entry(46, "sendmsg"),
            Map.entry(47, "recvmsg"), Map.entry(49, "bind"), Map.entry(50, "listen"), Map.entry(56, "clone"),
            Map.entry(57, "fork"), Map.entry(58, "vfork"), Map.entry(59, "execve"), Map.entry(60, "exit"),
            Map.entry(61, "wait4"), Map.entry(62, "kill"), Map.entry(63, "uname"), Map.entry(72, "fcntl"),
            Map.entry(78, "getdents"), Map.entry(79, "getcwd"), Map.entry(80, "chdir"), Map.entry(82, "rename"),
            Map.entry(83, "mkdir"), Map.entry(87, "unlink"), Map.entry(89, "readlink"), Map.entry(96, "gettimeofday"),
            Map.entry(102, "getuid"), Map.entry(104, "getgid"), Map.entry(107, "geteuid"), Map.entry(110, "getppid"),
            Map.entry(121, "getpgid"), Map.entry(186, "gettid"), Map.entry(202, "futex"), Map.entry(217, "getdents64"),
            Map.entry(228, "clock_gettime"), Map.entry(230, "clock_nanosleep"), Map.entry(231, "exit_group"),
            Map.entry(232, "epoll_wait"), Map.entry(233, "epoll_ctl"), Map.entry(257, "openat"),
            Map.entry(262, "newfstatat"), Map.entry(270, "pselect6"), Map.entry(271, "ppoll"),
            Map.entry(281, "epoll_pwait"), Map.entry(290, "eventfd2"), Map.entry(291, "epoll_create1"),
            Map.entry(293, "pipe2"), Map.entry(302, "prlimit64"), Map.entry(318, "getrandom"), Map.entry(321, "bpf"),
            Map.entry(332, "statx"), Map.entry(334, "rseq"), Map.entry(435, "clone3"), Map.entry(439, "faccessat2"));

    private SyscallNames() {
    }

    static String name(int nr) {
        String n = System.getProperty("os.arch", "").matches("amd64|x86_64") ? X86_64.get(nr) : null;
        return n != null ? n : "syscall_" + nr;
    }
}
