package dev.bpflux.sys;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * Syscalls tests make on purpose to fire the programs they attached (the JDK cannot make
 * getppid/getpgid on demand). Through libc, so uprobes on libc's functions see them too.
 */
public final class SyscallTrigger {
    private SyscallTrigger() {
    }

    private static final class Libc {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int getppid();

        static native int getpgid(int pid);

        static native int gettid();
    }

    /** The calling thread's kernel thread id (glibc 2.30+). */
    public static int gettid() {
        return Libc.gettid();
    }

    /** Calls getppid(2) {@code times} times. */
    public static void getppid(int times) {
        for (int i = 0; i < times; i++) {
            Libc.getppid();
        }
    }

    /** Calls getpgid(0) {@code times} times. */
    public static void getpgid(int times) {
        for (int i = 0; i < times; i++) {
            Libc.getpgid(0);
        }
    }

    /** The libc shared object JNA loaded, for uprobes on its functions. */
    public static java.nio.file.Path libcPath() {
        java.io.File f = NativeLibrary.getInstance("c").getFile();
        if (f != null && f.isFile()) {
            return f.toPath();
        }
        for (String p : new String[] {"/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6",
                "/lib64/libc.so.6", "/usr/lib/libc.so.6"}) {
            if (new java.io.File(p).isFile()) {
                return java.nio.file.Path.of(p);
            }
        }
        throw new IllegalStateException("cannot find libc.so.6");
    }
}
