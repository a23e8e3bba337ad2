package dev.bpflux.load;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/** Syscalls the loader tests make to fire the programs they attached (through libc, uncached). */
final class Trigger {
    private Trigger() {
    }

    private static final class Libc {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int getpid();
    }

    static void getpid(int times) {
        for (int i = 0; i < times; i++) {
            Libc.getpid();
        }
    }

    static int tgid() {
        return (int) ProcessHandle.current().pid();
    }
}
