package dev.bpflux.sys;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * Cheap system calls that tests, benchmarks and samples make to trigger BPF programs attached to
 * their tracepoints ({@code sys_enter_getpgid}, {@code sys_enter_getppid}, {@code sys_enter_getsid}), which the JDK has no
 * way to make on demand. JNA direct mapping, one native call each (about 100 ns).
 */
public final class ProcessCalls {
    private ProcessCalls() {
    }

    private static final class Libc {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int getpgid(int pid);

        static native int getppid();

        static native int getsid(int pid);

        static native int gettid();
    }

    /** getpgid(2) of {@code pid} (0: the caller); the process group id. */
    public static int getpgid(int pid) {
        return Libc.getpgid(pid);
    }

    /** getppid(2): the parent's process id. */
    public static int getppid() {
        return Libc.getppid();
    }

    /** getsid(2) of {@code pid} (0: the caller); the session id. */
    public static int getsid(int pid) {
        return Libc.getsid(pid);
    }

    /** gettid(2) (glibc 2.30+): the calling thread's kernel id. */
    public static int gettid() {
        return Libc.gettid();
    }
}
